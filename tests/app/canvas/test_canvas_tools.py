"""Placement, contour editing and hit-testing of the canvas, driven by plain gestures (no Qt).

As napari tests its mouse bindings: a gesture is a list of plain events, fed to the tools the
way the view feeds them, and the outcome is checked without a window.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.canvas.tools import (
    GRAB_RADIUS_PX,
    PLACEMENT_STEPS,
    ContourTool,
    PlacementTool,
    delete_vertex,
    edge_at,
    insert_vertex,
    landmark_at,
    move_vertex,
    vertex_at,
)
from core.geometry import GeometryError, Landmarks, Spacing, measure

SPACING = Spacing(1.6, 1.4)
LANDMARKS = Landmarks((64.0, 20.0), (50.0, 120.0), (78.0, 120.0), (40.0, 70.0), (88.0, 70.0))
SQUARE = [(10.0, 10.0), (30.0, 10.0), (30.0, 30.0), (10.0, 30.0)]


@dataclass(frozen=True)
class Click:
    """A plain mouse click at an image point (what the view hands the tools)."""

    x: float
    y: float

    @property
    def pos(self) -> tuple[float, float]:
        return (self.x, self.y)


def _place(tool: PlacementTool, clicks: list[Click], pixels=None):
    results = [tool.click(c.pos, pixels, SPACING) for c in clicks]
    return results[-1]


def test_placement_asks_apex_then_hinges_and_places_a_perpendicular_width():
    tool = PlacementTool()
    hints = []
    for click in (Click(64, 20), Click(50, 120)):
        hints.append(tool.hint)
        assert tool.click(click.pos, None, SPACING) is None
    assert tool.step == "hinge_b" and hints == [
        "Click the apex (the tip of the LV cavity)",
        "Click mitral hinge point A",
    ]
    landmarks = tool.click((78, 120), None, SPACING)
    assert (landmarks.apex, landmarks.hinge_a, landmarks.hinge_b) == (
        (64.0, 20.0),
        (50.0, 120.0),
        (78.0, 120.0),
    )
    assert measure(landmarks, SPACING).si > 0
    assert tool.points == [] and tool.step == PLACEMENT_STEPS[0]  # ready for the next reading


def test_a_degenerate_click_is_asked_for_again_and_step_back_forgets_one():
    tool = PlacementTool()
    with pytest.raises(GeometryError):
        _place(tool, [Click(64, 20), Click(50, 120), Click(50, 120)])  # hinge B on hinge A
    assert tool.step == "hinge_b"  # only the offending click was forgotten
    assert tool.step_back() and tool.step == "hinge_a"
    assert tool.step_back() and tool.step_back() is False


def test_placement_uses_the_image_for_the_width_when_given():
    rows, cols = 160, 128
    yy, xx = np.mgrid[0:rows, 0:cols]
    cavity = ((xx - 64) / 20.0) ** 2 + ((yy - 75) / 55.0) ** 2 <= 1.0
    pixels = (200 + 900 * cavity).astype(np.uint16)
    landmarks = _place(PlacementTool(), [Click(64, 20), Click(46, 119), Click(82, 119)], pixels)
    width_px = abs(landmarks.w2[0] - landmarks.w1[0])
    assert width_px == pytest.approx(40.0, abs=3.0)  # the widest chord, not the default 62 px


def test_contour_clicks_close_on_the_first_point_at_any_zoom():
    for zoom in (0.5, 1.0, 4.0):
        tool = ContourTool()
        for point in SQUARE:
            assert tool.click_open(point, scale=zoom, tolerance_px=8.0) is None
        near_first = (10.0 + 7.0 / zoom, 10.0)  # 7 screen px from the first vertex
        assert tool.click_open(near_first, scale=zoom, tolerance_px=8.0) == SQUARE
        assert not tool.drawing


def test_two_points_do_not_close_and_cancel_drops_the_polygon():
    tool = ContourTool()
    tool.click_open((10, 10), scale=1.0, tolerance_px=8.0)
    tool.click_open((30, 10), scale=1.0, tolerance_px=8.0)
    assert tool.click_open((10.5, 10), scale=1.0, tolerance_px=8.0) is None  # a third vertex
    assert len(tool.open_points) == 3
    assert tool.cancel() and not tool.drawing and tool.cancel() is False


def test_hit_testing_picks_the_nearest_vertex_or_edge_within_screen_pixels():
    assert vertex_at(SQUARE, (11, 11), scale=1.0, tolerance_px=8.0) == 0
    assert vertex_at(SQUARE, (20, 20), scale=1.0, tolerance_px=8.0) is None
    assert vertex_at(SQUARE, (13, 10), scale=4.0, tolerance_px=8.0) is None  # 12 screen px off
    assert edge_at(SQUARE, (20, 11), scale=1.0, tolerance_px=8.0) == 0
    assert edge_at(SQUARE, (11, 20), scale=1.0, tolerance_px=8.0) == 3  # the closing edge
    assert edge_at(SQUARE, (20, 20), scale=1.0, tolerance_px=8.0) is None


def test_handles_are_grabbed_within_their_screen_radius_nearest_first():
    assert landmark_at(LANDMARKS, (64, 22), scale=1.0) == "apex"
    assert landmark_at(LANDMARKS, (64, 20 + GRAB_RADIUS_PX + 1), scale=1.0) is None
    assert landmark_at(LANDMARKS, (64, 25), scale=0.5) == "apex"  # 2.5 screen px when zoomed out
    assert landmark_at(LANDMARKS, (64, 25), scale=4.0) is None  # 20 screen px when zoomed in
    close = LANDMARKS.replace(hinge_b=(56.0, 120.0))  # two handles 6 px apart: the nearer wins
    assert landmark_at(close, (55.0, 120.0), scale=1.0) == "hinge_b"
    assert landmark_at(close, (51.0, 120.0), scale=1.0) == "hinge_a"


def test_vertex_edits_return_new_contours():
    inserted = insert_vertex(SQUARE, 0, (20, 10))
    assert inserted[:3] == [(10.0, 10.0), (20.0, 10.0), (30.0, 10.0)] and len(SQUARE) == 4
    assert move_vertex(SQUARE, 2, (35, 35))[2] == (35.0, 35.0) and SQUARE[2] == (30.0, 30.0)
    assert delete_vertex(SQUARE, 1) == [(10.0, 10.0), (30.0, 30.0), (10.0, 30.0)]
    assert delete_vertex(SQUARE[:3], 0) is None  # a polygon keeps three vertices


@given(st.floats(-50, 200), st.floats(-50, 200), st.sampled_from([0.25, 1.0, 3.0]))
def test_a_grabbed_handle_is_always_within_reach_and_the_nearest(x, y, zoom):
    name = landmark_at(LANDMARKS, (x, y), scale=zoom)
    distances = {n: np.hypot(x - p[0], y - p[1]) * zoom for n, p in LANDMARKS.to_dict().items()}
    if name is None:
        assert min(distances.values()) > GRAB_RADIUS_PX
    else:
        assert distances[name] <= GRAB_RADIUS_PX and distances[name] == min(distances.values())
