"""The one SI function (width / long-axis length in mm) and the validation of landmarks."""

from __future__ import annotations

import math

from core.geometry.frame import distance_mm, midpoint
from core.geometry.types import GeometryError, Landmarks, Measurement, Point, Spacing

# Points closer than this many pixels count as the same point: far below anything a person can
# place, but well above float noise of coordinates that went through a mm round trip.
COINCIDENT_PX = 1e-6
# A width placed exactly at the apex or at the hinge midpoint may cross a hair outside the
# segment after a mm round trip; that is still on the axis.
LEVEL_TOLERANCE = 1e-9

_LABELS = {
    "apex": "apex",
    "hinge_a": "mitral hinge A",
    "hinge_b": "mitral hinge B",
    "w1": "width end W1",
    "w2": "width end W2",
}


def measure(
    landmarks: Landmarks, spacing: Spacing, *, shape: tuple[int, int] | None = None
) -> Measurement:
    """Long axis L = |apex - M|, width D = |W1 - W2| (both in mm) and SI = D / L.

    The landmarks are validated first (see validate_landmarks); `shape` (rows, cols) adds the
    check that every point lies on the image.
    """
    validate_landmarks(landmarks, shape)
    length_mm = distance_mm(landmarks.apex, midpoint(landmarks.hinge_a, landmarks.hinge_b), spacing)
    width_mm = distance_mm(landmarks.w1, landmarks.w2, spacing)
    if not (length_mm > 0.0 and math.isfinite(width_mm / length_mm)):
        raise GeometryError("the long axis is too short to measure; move the apex")
    return Measurement(length_mm=length_mm, width_mm=width_mm, si=width_mm / length_mm)


def validate_landmarks(landmarks: Landmarks, shape: tuple[int, int] | None = None) -> None:
    """Raise GeometryError unless the landmarks can give an SI.

    Rejects non-finite coordinates, points off the image (when shape = (rows, cols) is given;
    the half-pixel border around the pixel centres counts as on the image), a zero-length long
    axis, coincident hinge points, coincident width ends, and a width that does not cross the
    long axis (W1 and W2 on the same side of the axis line, or the crossing outside the segment
    from the hinge midpoint to the apex). Sidedness and crossing are affine-invariant, so they are
    checked in pixel space and hold in mm space for any spacing.
    """
    _check_finite(landmarks)
    if shape is not None:
        _check_on_image(landmarks, shape)
    validate_axis(landmarks.apex, landmarks.hinge_a, landmarks.hinge_b)
    if _close(landmarks.w1, landmarks.w2):
        raise GeometryError("width ends W1 and W2 are at the same place; widen the width")
    m = midpoint(landmarks.hinge_a, landmarks.hinge_b)
    _check_crossing(landmarks.apex, m, landmarks.w1, landmarks.w2)


def validate_axis(apex: Point, hinge_a: Point, hinge_b: Point) -> None:
    """Raise GeometryError when the long axis has zero length or the hinge points coincide."""
    if _close(apex, midpoint(hinge_a, hinge_b)):
        raise GeometryError(
            "the long axis has zero length: the apex lies on the midpoint of the mitral hinge "
            "points; move the apex toward the tip of the ventricle"
        )
    if _close(hinge_a, hinge_b):
        raise GeometryError(
            "mitral hinge A and B are at the same place; put them on the two sides of the valve"
        )


def _check_finite(landmarks: Landmarks) -> None:
    for name, p in zip(("apex", "hinge_a", "hinge_b", "w1", "w2"), landmarks.points(), strict=True):
        if not all(math.isfinite(v) for v in p):
            raise GeometryError(f"{_LABELS[name]} has no valid position ({p[0]!r}, {p[1]!r})")


def _check_on_image(landmarks: Landmarks, shape: tuple[int, int]) -> None:
    rows, cols = shape
    for name, (x, y) in zip(
        ("apex", "hinge_a", "hinge_b", "w1", "w2"), landmarks.points(), strict=True
    ):
        if not (-0.5 <= x <= cols - 0.5 and -0.5 <= y <= rows - 0.5):
            raise GeometryError(
                f"{_LABELS[name]} at ({x:.1f}, {y:.1f}) is off the image "
                f"({cols} x {rows} pixels); move it onto the image"
            )


def _close(a: Point, b: Point) -> bool:
    return math.hypot(a[0] - b[0], a[1] - b[1]) < COINCIDENT_PX


def _cross(o: Point, a: Point, p: Point) -> float:
    """z of (a - o) x (p - o): its sign tells the side of line o->a on which p lies."""
    return (a[0] - o[0]) * (p[1] - o[1]) - (a[1] - o[1]) * (p[0] - o[0])


def _check_crossing(apex: Point, m: Point, w1: Point, w2: Point) -> None:
    c1, c2 = _cross(m, apex, w1), _cross(m, apex, w2)
    if not (c1 * c2 < 0.0):
        raise GeometryError(
            "the width does not cross the long axis: W1 and W2 must lie on opposite sides of "
            "the line from the mitral hinge midpoint to the apex"
        )
    # The crossing point along the axis, as a fraction from M (0) to the apex (1).
    ex, ey = w2[0] - w1[0], w2[1] - w1[1]
    ax, ay = apex[0] - m[0], apex[1] - m[1]
    denom = ax * ey - ay * ex
    t = ((w1[0] - m[0]) * ey - (w1[1] - m[1]) * ex) / denom
    if not (-LEVEL_TOLERANCE <= t <= 1.0 + LEVEL_TOLERANCE):
        where = "beyond the apex" if t > 1.0 else "below the mitral hinge midpoint"
        raise GeometryError(
            f"the width crosses the long axis {where}; move W1 and W2 so that the width "
            "crosses the axis between the hinge midpoint and the apex"
        )
