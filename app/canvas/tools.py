"""Qt-free interaction state of the canvas: guided placement, contour editing, hit-testing.

The view translates mouse events into calls on these tools and turns their results into
core.edits edits; all constraint math goes through core.geometry. No Qt here (an import-linter
contract keeps it so), so the tools are tested with plain points and no window.
"""

from __future__ import annotations

import math

import numpy as np

from core.geometry import (
    LANDMARK_NAMES,
    GeometryError,
    Landmarks,
    Point,
    Spacing,
    default_width,
    validate_landmarks,
    widest_width_from_image,
)

GRAB_RADIUS_PX = 11.0  # a handle's generous grab area, in screen pixels
PLACEMENT_STEPS: tuple[str, ...] = ("apex", "hinge_a", "hinge_b")
PLACEMENT_HINTS: dict[str, str] = {
    "apex": "Click the apex (the tip of the LV cavity)",
    "hinge_a": "Click mitral hinge point A",
    "hinge_b": "Click mitral hinge point B",
}


class PlacementTool:
    """Guided placement: apex -> hinge A -> hinge B, then the width at the maximal cavity width."""

    def __init__(self) -> None:
        self.points: list[Point] = []

    @property
    def step(self) -> str:
        return PLACEMENT_STEPS[len(self.points)]

    @property
    def hint(self) -> str:
        return PLACEMENT_HINTS[self.step]

    def click(self, pos: Point, pixels: np.ndarray | None, spacing: Spacing) -> Landmarks | None:
        """Record one click; after the third return the five landmarks (width placed for you).

        GeometryError (degenerate axis) forgets the offending click so the step can be redone.
        """
        self.points.append((float(pos[0]), float(pos[1])))
        if len(self.points) < len(PLACEMENT_STEPS):
            return None
        apex, hinge_a, hinge_b = self.points
        try:
            width = None
            if pixels is not None:
                width = widest_width_from_image(pixels, apex, hinge_a, hinge_b, spacing)
            if width is None:
                width = default_width(apex, hinge_a, hinge_b, spacing)
            w1, w2 = width
            landmarks = Landmarks(apex, hinge_a, hinge_b, tuple(w1), tuple(w2))
            validate_landmarks(landmarks)
        except GeometryError:
            self.points.pop()  # e.g. hinge B on hinge A: that click is asked for again
            raise
        self.points = []
        return landmarks

    def step_back(self) -> bool:
        """Forget the last click; False when there was none."""
        if not self.points:
            return False
        self.points.pop()
        return True


def _segment_distance(p: Point, a: Point, b: Point) -> tuple[float, float]:
    """Distance from p to segment a–b (in the same units as given) and the projection fraction."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    qx, qy = ax + t * dx, ay + t * dy
    return math.hypot(p[0] - qx, p[1] - qy), t


class ContourTool:
    """An open polygon being clicked, and hit-tests against a closed contour.

    Distances are given by the caller in screen pixels (``scale`` = screen px per image px), so
    grabbing works the same at every zoom.
    """

    def __init__(self) -> None:
        self.open_points: list[Point] = []

    @property
    def drawing(self) -> bool:
        return bool(self.open_points)

    def click_open(self, pos: Point, *, scale: float, tolerance_px: float) -> list[Point] | None:
        """Add a vertex; a click near the first (3+ placed) closes and returns the polygon."""
        if len(self.open_points) >= 3 and _near(pos, self.open_points[0], scale, tolerance_px):
            closed, self.open_points = self.open_points, []
            return closed
        self.open_points.append((float(pos[0]), float(pos[1])))
        return None

    def cancel(self) -> bool:
        had = bool(self.open_points)
        self.open_points = []
        return had


def _near(p: Point, q: Point, scale: float, tolerance_px: float) -> bool:
    return math.hypot(p[0] - q[0], p[1] - q[1]) * scale <= tolerance_px


def landmark_at(
    landmarks: Landmarks, pos: Point, *, scale: float, tolerance_px: float = GRAB_RADIUS_PX
) -> str | None:
    """The landmark whose handle is under pos: the nearest within the tolerance (screen px)."""
    points = [getattr(landmarks, name) for name in LANDMARK_NAMES]
    index = vertex_at(points, pos, scale=scale, tolerance_px=tolerance_px)
    return None if index is None else LANDMARK_NAMES[index]


def vertex_at(contour: list[Point], pos: Point, *, scale: float, tolerance_px: float) -> int | None:
    """Index of the vertex nearest pos within the tolerance (screen px), else None."""
    best, best_d = None, tolerance_px
    for i, q in enumerate(contour):
        d = math.hypot(pos[0] - q[0], pos[1] - q[1]) * scale
        if d <= best_d:
            best, best_d = i, d
    return best


def edge_at(contour: list[Point], pos: Point, *, scale: float, tolerance_px: float) -> int | None:
    """Index i of the closed-polygon edge (i, i+1) nearest pos within the tolerance, else None."""
    best, best_d = None, tolerance_px
    n = len(contour)
    for i in range(n):
        d, _ = _segment_distance(pos, contour[i], contour[(i + 1) % n])
        if d * scale <= best_d:
            best, best_d = i, d * scale
    return best


def insert_vertex(contour: list[Point], edge: int, pos: Point) -> list[Point]:
    """A new contour with pos inserted on edge (edge, edge+1)."""
    return [*contour[: edge + 1], (float(pos[0]), float(pos[1])), *contour[edge + 1 :]]


def delete_vertex(contour: list[Point], index: int) -> list[Point] | None:
    """A new contour without vertex index; None when fewer than 3 vertices would remain."""
    if len(contour) <= 3:
        return None
    return [p for i, p in enumerate(contour) if i != index]


def move_vertex(contour: list[Point], index: int, pos: Point) -> list[Point]:
    moved = list(contour)
    moved[index] = (float(pos[0]), float(pos[1]))
    return moved
