"""The perpendicular width constraint in mm: default placement, drags, snap and role swap.

The canvas calls these pure functions; each returns new landmarks and never mutates its input.
A width is described in the long-axis frame (see AxisFrame) by its level (fraction from the
hinge midpoint M toward the apex) and the signed mm offsets of W1 and W2 across the axis; every
function rebuilds both ends at one level, so the width is perpendicular to the axis in mm.
"""

from __future__ import annotations

from core.geometry.frame import AxisFrame, distance_mm
from core.geometry.measure import validate_axis
from core.geometry.types import GeometryError, Landmarks, Point, Spacing

DEFAULT_WIDTH_FRACTION = 0.55  # of the long-axis length; a typical healthy SI
# A dragged width end stops this close to the axis (fraction of the axis length) instead of
# crossing it, so the width keeps one end on each side.
MIN_OFFSET_FRACTION = 0.01


def default_width(
    apex: Point,
    hinge_a: Point,
    hinge_b: Point,
    spacing: Spacing,
    *,
    level: float = 0.5,
    width_mm: float | None = None,
) -> tuple[Point, Point]:
    """(W1, W2) perpendicular to the long axis in mm at `level`, centred on the axis.

    `level` is the fraction from the hinge midpoint (0) toward the apex (1); the width defaults
    to 0.55 x the long-axis length. W1 lies on the +n side of the axis (n = axis direction turned
    +90 degrees in mm), W2 on the other.
    """
    frame = AxisFrame.from_axis(apex, hinge_a, hinge_b, spacing)
    if width_mm is None:
        width_mm = DEFAULT_WIDTH_FRACTION * frame.length_mm
    if not width_mm > 0.0:
        raise GeometryError(f"the width must be longer than zero, got {width_mm!r} mm")
    half = width_mm / 2.0
    return frame.to_px(level, half), frame.to_px(level, -half)


def width_level(lm: Landmarks, spacing: Spacing) -> float:
    """Level of the width on the long axis: fraction from the hinge midpoint (0) to the apex (1).

    It is the level of the width's midpoint projected on the axis, which for a perpendicular
    width is where it crosses the axis.
    """
    frame = AxisFrame.of(lm, spacing)
    return (frame.to_local(lm.w1)[0] + frame.to_local(lm.w2)[0]) / 2.0


def _offsets(frame: AxisFrame, lm: Landmarks) -> tuple[float, float]:
    """Signed mm offsets of W1 and W2 from the axis, forced onto opposite sides."""
    s1, s2 = frame.to_local(lm.w1)[1], frame.to_local(lm.w2)[1]
    return _opposite(s1, s2, MIN_OFFSET_FRACTION * frame.length_mm)


def _opposite(s1: float, s2: float, min_mm: float) -> tuple[float, float]:
    """s1 and s2 on opposite sides, each at least min_mm from the axis (s1 positive when tied)."""
    side1 = 1.0 if s1 > 0.0 or (s1 == 0.0 and s2 <= 0.0) else -1.0
    return side1 * max(abs(s1), min_mm), -side1 * max(abs(s2), min_mm)


def _place(lm: Landmarks, frame: AxisFrame, level: float, s1: float, s2: float) -> Landmarks:
    return lm.replace(w1=frame.to_px(level, s1), w2=frame.to_px(level, s2))


def drag_width_endpoint(lm: Landmarks, which: str, pos: Point, spacing: Spacing) -> Landmarks:
    """Move width end `which` ("w1" or "w2") toward `pos`, keeping the width perpendicular.

    The width slides to the level of pos's projection on the axis (clamped to the segment from
    the hinge midpoint to the apex). The dragged end takes pos's distance from the axis on its
    own side (at least 1 % of the axis length, so it never crosses the axis); the other end keeps
    its distance. All in mm.
    """
    if which not in ("w1", "w2"):
        raise ValueError(f"which must be 'w1' or 'w2', got {which!r}")
    frame = AxisFrame.of(lm, spacing)
    s1, s2 = _offsets(frame, lm)
    level, pos_offset = frame.to_local(pos)
    level = min(1.0, max(0.0, level))
    own = s1 if which == "w1" else s2
    dragged = _same_side(pos_offset, own, MIN_OFFSET_FRACTION * frame.length_mm)
    if which == "w1":
        return _place(lm, frame, level, dragged, s2)
    return _place(lm, frame, level, s1, dragged)


def perpendicular_width(lm: Landmarks, spacing: Spacing) -> Landmarks:
    """Landmarks whose width is made perpendicular to the long axis in mm (predicted ones).

    W1 is "dragged" onto its own position: the width moves to W1's level and both ends keep
    their mm distances from the axis, so W1 stays and W2 lands on the perpendicular. The one
    rule for the model's landmark SI and for a suggestion's draft.
    """
    return drag_width_endpoint(lm, "w1", lm.w1, spacing)


def _same_side(offset_mm: float, side_of: float, min_mm: float) -> float:
    """offset_mm's distance, on the side of side_of, at least min_mm from the axis."""
    distance = abs(offset_mm) if offset_mm * side_of > 0.0 else 0.0
    return max(distance, min_mm) * (1.0 if side_of > 0.0 else -1.0)


def drag_axis_point(lm: Landmarks, which: str, pos: Point, spacing: Spacing) -> Landmarks:
    """Move the apex or a hinge point to `pos`; the width follows the axis rigidly.

    The width keeps its level (fraction of the axis) and both distances from the axis in mm.
    GeometryError when the move would give the long axis zero length or put the hinge points
    on one another (the caller keeps the previous landmarks).
    """
    if which not in ("apex", "hinge_a", "hinge_b"):
        raise ValueError(f"which must be 'apex', 'hinge_a' or 'hinge_b', got {which!r}")
    old = AxisFrame.of(lm, spacing)
    level = width_level(lm, spacing)
    s1, s2 = _offsets(old, lm)
    moved = lm.replace(**{which: pos})
    validate_axis(moved.apex, moved.hinge_a, moved.hinge_b)
    return _place(moved, AxisFrame.of(moved, spacing), level, s1, s2)


def snap_mid_length(lm: Landmarks, spacing: Spacing) -> Landmarks:
    """Move the width to mid-length of the long axis (level 0.5), keeping its distances in mm."""
    frame = AxisFrame.of(lm, spacing)
    s1, s2 = _offsets(frame, lm)
    return _place(lm, frame, 0.5, s1, s2)


def swap_roles_if_needed(lm: Landmarks, spacing: Spacing) -> tuple[Landmarks, bool]:
    """Cornerstone's bidirectional rule: the long axis is always the longer of the two segments.

    When the width (W1-W2, in mm) becomes longer than the long axis (apex-M), the roles swap:
    W1 becomes the apex and W2 the new hinge midpoint; hinge A and B are placed symmetric about
    it, perpendicular to the new axis, as far apart (in mm) as the old hinges were (A on the +n
    side of the new axis); the old axis becomes the width (W1 from the old apex, W2 from the old
    hinge midpoint), rebuilt perpendicular to the new axis at the level where it crossed it
    (each end at least 1 % of the new length from the axis, so the new width crosses it).
    Returns (landmarks, True) after a swap, (lm, False) when the width is not longer.
    """
    old = AxisFrame.of(lm, spacing)
    if distance_mm(lm.w1, lm.w2, spacing) <= old.length_mm:
        return lm, False
    hinge_mm = distance_mm(lm.hinge_a, lm.hinge_b, spacing)
    new = AxisFrame.from_axis(lm.w1, lm.w2, lm.w2, spacing)
    level_apex, s_apex = new.to_local(lm.apex)
    level_m, s_m = new.to_local(old.origin)
    level = (level_apex + level_m) / 2.0
    # A width that sat at the very apex or hinge midpoint leaves an old end on the new axis.
    s_apex, s_m = _opposite(s_apex, s_m, MIN_OFFSET_FRACTION * new.length_mm)
    swapped = Landmarks(
        apex=lm.w1,
        hinge_a=new.to_px(0.0, hinge_mm / 2.0),
        hinge_b=new.to_px(0.0, -hinge_mm / 2.0),
        w1=new.to_px(level, s_apex),
        w2=new.to_px(level, s_m),
    )
    return swapped, True
