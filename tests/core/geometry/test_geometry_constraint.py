"""The perpendicular constraint: default width, drags, snap to mid-length, role swap."""

import math

import pytest
from geometry_strategies import canonical_landmarks, transform
from hypothesis import assume, given
from hypothesis import strategies as st

from core.geometry import (
    GeometryError,
    Landmarks,
    Spacing,
    default_width,
    distance_mm,
    drag_axis_point,
    drag_width_endpoint,
    measure,
    midpoint,
    perpendicular_width,
    snap_mid_length,
    swap_roles_if_needed,
    validate_landmarks,
    width_level,
)

ISO = Spacing.isotropic(1.0)
# Vertical axis: M = (10, 40), apex (10, 0), L = 40 px; width at level 0.5 (y = 20), 30 px wide.
VERTICAL = Landmarks(apex=(10, 0), hinge_a=(5, 40), hinge_b=(15, 40), w1=(0, 20), w2=(30, 20))


def cos_width_axis(lm: Landmarks, spacing: Spacing) -> float:
    """Cosine between the width and the long axis, in mm."""
    mx, my = (lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2
    ax, ay = (lm.apex[0] - mx) * spacing.col_mm, (lm.apex[1] - my) * spacing.row_mm
    wx, wy = (lm.w1[0] - lm.w2[0]) * spacing.col_mm, (lm.w1[1] - lm.w2[1]) * spacing.row_mm
    return (ax * wx + ay * wy) / (math.hypot(ax, ay) * math.hypot(wx, wy))


def assert_points(actual, expected, abs_tol=1e-9):
    for a, e in zip(actual, expected, strict=True):
        assert a == pytest.approx(e, abs=abs_tol)


def test_default_width_isotropic():
    w1, w2 = default_width(VERTICAL.apex, VERTICAL.hinge_a, VERTICAL.hinge_b, ISO)
    # u points up (-y); n = u turned +90 degrees = +x... (-u_y, u_x) = (1, 0).
    assert_points(w1, (10 + 11, 20))
    assert_points(w2, (10 - 11, 20))
    assert measure(VERTICAL.replace(w1=w1, w2=w2), ISO).si == pytest.approx(0.55)


def test_default_width_anisotropic_level_and_width():
    spacing = Spacing(row_mm=0.5, col_mm=1.0)  # in mm: apex (0, 0), M (30, 20)
    apex, ha, hb = (0, 0), (25, 45), (35, 35)
    w1, w2 = default_width(apex, ha, hb, spacing, level=0.25, width_mm=10.0)
    lm = Landmarks(apex, ha, hb, w1, w2)
    assert measure(lm, spacing).width_mm == pytest.approx(10.0)
    assert abs(cos_width_axis(lm, spacing)) < 1e-12
    assert width_level(lm, spacing) == pytest.approx(0.25)
    centre = ((w1[0] + w2[0]) / 2, (w1[1] + w2[1]) / 2)
    assert_points(centre, (30 * 0.75, 40 * 0.75))  # on the axis, a quarter of the way up


def test_default_width_rejects_non_positive_width():
    with pytest.raises(GeometryError, match="longer than zero"):
        default_width(VERTICAL.apex, VERTICAL.hinge_a, VERTICAL.hinge_b, ISO, width_mm=0.0)


def test_drag_w1_slides_the_width_and_keeps_w2_distance():
    out = drag_width_endpoint(VERTICAL, "w1", (-3.0, 30.0), ISO)
    assert_points(out.w1, (-3.0, 30.0))  # pos is at the new level on w1's side: exactly there
    assert_points(out.w2, (30.0, 30.0))  # keeps its 20 px distance, moves to level 0.25
    assert width_level(out, ISO) == pytest.approx(0.25)


def test_drag_past_the_apex_clamps_and_across_the_axis_stops_short():
    out = drag_width_endpoint(VERTICAL, "w2", (0.0, -20.0), ISO)  # beyond apex, wrong side
    assert width_level(out, ISO) == pytest.approx(1.0)
    assert_points(out.w2, (10.0 + 0.4, 0.0))  # 1 % of L = 0.4 px on w2's own side
    assert_points(out.w1, (0.0, 0.0))
    validate_landmarks(out)


def test_drag_axis_point_rotates_width_rigidly():
    # Apex from straight up to straight right of M: the axis turns by 90 degrees, L stays 40.
    out = drag_axis_point(VERTICAL, "apex", (50.0, 40.0), ISO)
    assert_points(out.w1, (30.0, 40.0 - 10.0))  # was 10 px on the +n side, level 0.5
    assert_points(out.w2, (30.0, 40.0 + 20.0))
    assert measure(out, ISO).si == pytest.approx(measure(VERTICAL, ISO).si)


def test_drag_hinge_keeps_level_and_distances():
    out = drag_axis_point(VERTICAL, "hinge_b", (15.0, 80.0), ISO)  # M -> (10, 60), L = 60
    assert width_level(out, ISO) == pytest.approx(0.5)
    assert_points(out.w1, (0.0, 30.0))
    assert_points(out.w2, (30.0, 30.0))


def test_drag_axis_point_to_zero_length_is_refused():
    with pytest.raises(GeometryError, match="zero length"):
        drag_axis_point(VERTICAL, "apex", (10.0, 40.0), ISO)
    with pytest.raises(GeometryError, match="zero length"):
        drag_axis_point(VERTICAL, "hinge_a", (5.0, -40.0), ISO)  # M onto the apex


def test_drag_hinge_onto_the_other_is_refused():
    with pytest.raises(GeometryError, match="hinge A and B are at the same place"):
        drag_axis_point(VERTICAL, "hinge_b", (5.0, 40.0), ISO)


def test_unknown_handles_are_programming_errors():
    with pytest.raises(ValueError, match="'w1' or 'w2'"):
        drag_width_endpoint(VERTICAL, "apex", (0, 0), ISO)
    with pytest.raises(ValueError, match="'apex', 'hinge_a' or 'hinge_b'"):
        drag_axis_point(VERTICAL, "w1", (0, 0), ISO)


def test_snap_mid_length_keeps_distances():
    moved = drag_width_endpoint(VERTICAL, "w1", (2.0, 8.0), ISO)
    out = snap_mid_length(moved, ISO)
    assert_points(out.w1, (2.0, 20.0))
    assert_points(out.w2, (30.0, 20.0))


points = st.tuples(st.floats(-400, 400), st.floats(-400, 400))
operations = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["w1", "w2"]), points),
        st.tuples(st.sampled_from(["apex", "hinge_a", "hinge_b"]), points),
        st.just(("snap", None)),
        st.just(("swap", None)),
    ),
    max_size=25,
)


def apply(lm: Landmarks, op, spacing: Spacing) -> Landmarks:
    which, pos = op
    if which == "snap":
        return snap_mid_length(lm, spacing)
    if which == "swap":
        return swap_roles_if_needed(lm, spacing)[0]
    if which in ("w1", "w2"):
        return drag_width_endpoint(lm, which, pos, spacing)
    return drag_axis_point(lm, which, pos, spacing)


@given(canonical_landmarks(), st.floats(0.3, 3.0), st.floats(0.3, 3.0), operations)
def test_width_stays_perpendicular_and_crossing_after_any_edits(case, row_mm, col_mm, ops):
    spacing = Spacing(row_mm, col_mm)
    lm = transform(case[0], lambda p: (p[0] / col_mm + 100.0, p[1] / row_mm + 50.0))
    lm = snap_mid_length(lm, spacing)  # start from a perpendicular width in mm
    for op in ops:
        try:
            nxt = apply(lm, op, spacing)
        except GeometryError:
            continue  # an axis of zero length is refused; the canvas keeps the landmarks
        # The canvas never shows a sub-pixel long axis; below that, float noise in the
        # coordinates (hundreds of pixels) is no longer small against the axis.
        if measure_length_px(nxt) < 1.0:
            continue
        lm = nxt
        assert abs(cos_width_axis(lm, spacing)) < 1e-9
        validate_landmarks(lm)  # W1, W2 on opposite sides, crossing within the axis segment


def measure_length_px(lm: Landmarks) -> float:
    mx, my = (lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2
    return math.hypot(lm.apex[0] - mx, lm.apex[1] - my)


def test_no_swap_when_width_is_shorter():
    out, swapped = swap_roles_if_needed(VERTICAL, ISO)
    assert not swapped and out is VERTICAL


def test_swap_when_width_exceeds_length():
    wide = VERTICAL.replace(w1=(-30, 20), w2=(40, 20))  # 70 px wide, axis 40 px
    out, swapped = swap_roles_if_needed(wide, ISO)
    assert swapped
    assert out.apex == (-30, 20)
    assert_points(
        ((out.hinge_a[0] + out.hinge_b[0]) / 2, (out.hinge_a[1] + out.hinge_b[1]) / 2), (40, 20)
    )
    assert math.dist(out.hinge_a, out.hinge_b) == pytest.approx(10.0)  # old hinge distance
    assert_points(out.w1, (10, 0))  # old apex
    assert_points(out.w2, (10, 40))  # old hinge midpoint
    m = measure(out, ISO)
    assert (m.length_mm, m.width_mm) == (pytest.approx(70.0), pytest.approx(40.0))


@given(canonical_landmarks(), st.floats(0.3, 3.0), st.floats(0.3, 3.0))
def test_swap_exchanges_length_and_width(case, row_mm, col_mm):
    spacing = Spacing(row_mm, col_mm)
    lm = transform(case[0], spacing.to_px)
    before = measure(lm, spacing)
    out, swapped = swap_roles_if_needed(lm, spacing)
    assert swapped == (before.width_mm > before.length_mm)
    if swapped:
        after = measure(out, spacing)  # validates: the new width crosses the new axis
        assert after.length_mm == pytest.approx(before.width_mm, rel=1e-9)
        # The old axis becomes the width; an end closer to the new axis than 1 % of the new
        # length is held at that distance.
        level, min_mm = width_level(lm, spacing), 0.01 * before.width_mm
        expected = max((1 - level) * before.length_mm, min_mm) + max(
            level * before.length_mm, min_mm
        )
        assert after.width_mm == pytest.approx(expected, rel=1e-9)
        assert abs(cos_width_axis(out, spacing)) < 1e-9
        hinge_before = math.dist(spacing.to_mm(lm.hinge_a), spacing.to_mm(lm.hinge_b))
        hinge_after = math.dist(spacing.to_mm(out.hinge_a), spacing.to_mm(out.hinge_b))
        assert hinge_after == pytest.approx(hinge_before, rel=1e-9)


def test_swap_of_a_width_at_the_hinge_midpoint_still_crosses():
    at_m = drag_width_endpoint(VERTICAL, "w1", (-40.0, 45.0), ISO)  # clamped to level 0
    wide = drag_width_endpoint(at_m, "w2", (60.0, 40.0), ISO)
    assert width_level(wide, ISO) == 0.0
    out, swapped = swap_roles_if_needed(wide, ISO)
    assert swapped
    validate_landmarks(out)
    assert abs(cos_width_axis(out, ISO)) < 1e-12


@given(
    canonical_landmarks(),
    st.floats(-10.0, 10.0),
    st.floats(-10.0, 10.0),
    st.sampled_from([ISO, Spacing(1.5, 0.8)]),
)
def test_perpendicular_width_keeps_w1_and_puts_w2_on_the_perpendicular(built, dx, dy, spacing):
    lm, _length, _width = built
    tilted = lm.replace(w2=(lm.w2[0] + dx, lm.w2[1] + dy))  # a predicted, not quite square width
    # W1 stays where it is unless it lies within 1 % of the axis length of the axis (then it is
    # pushed out to that distance, as every width end is).
    length_mm = distance_mm(tilted.apex, midpoint(tilted.hinge_a, tilted.hinge_b), spacing)
    assume(_offset_mm(tilted, tilted.w1, spacing) > 0.011 * length_mm)
    try:
        fixed = perpendicular_width(tilted, spacing)
    except GeometryError:
        return  # W2 pushed onto the axis: nothing to make perpendicular
    assert_points(fixed.w1, tilted.w1, abs_tol=1e-6)
    assert abs(cos_width_axis(fixed, spacing)) < 1e-9
    assert (fixed.apex, fixed.hinge_a, fixed.hinge_b) == (
        tilted.apex,
        tilted.hinge_a,
        tilted.hinge_b,
    )
    assert perpendicular_width(fixed, spacing) == pytest.approx(fixed)  # already perpendicular


def _offset_mm(lm: Landmarks, p, spacing: Spacing) -> float:
    """Distance in mm of point p from the long axis line."""
    mx, my = (lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2
    ax, ay = (lm.apex[0] - mx) * spacing.col_mm, (lm.apex[1] - my) * spacing.row_mm
    vx, vy = (p[0] - mx) * spacing.col_mm, (p[1] - my) * spacing.row_mm
    return abs(ax * vy - ay * vx) / math.hypot(ax, ay)
