"""What an endocardial contour gives: widest perpendicular chord, area, area-length volume."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from shapely.geometry import Polygon
from shapely.validation import explain_validity

from core.geometry.frame import AxisFrame
from core.geometry.types import ContourMeasurement, GeometryError, Landmarks, Point, Spacing


def contour_measure(
    contour: Sequence[Point] | np.ndarray | Polygon, landmarks: Landmarks, spacing: Spacing
) -> ContourMeasurement:
    """Width, area, area-length volume and volumetric SI of a contour, in mm.

    `contour` is a polygon of pixel points (x, y). The width is the longest single chord inside
    the contour perpendicular (in mm) to the long axis of `landmarks`, found exactly (every
    vertex level is a candidate, see _widest_chord) rather than by a sweep. With L the long-axis
    length in mm and A the area in mm^2: V = 8 A^2 / (3 pi L) (mm^3, reported in ml) and the
    volumetric SI = V / (pi / 6 * L^3). GeometryError for a contour with fewer than 3 points,
    non-finite points, zero area, or one that crosses itself.
    """
    frame = AxisFrame.of(landmarks, spacing)
    polygon = _polygon_mm(contour, spacing)
    (a, b), width_mm = _widest_chord(polygon, frame)
    area_mm2 = float(polygon.area)
    length_mm = frame.length_mm
    volume_mm3 = 8.0 * area_mm2**2 / (3.0 * math.pi * length_mm)
    return ContourMeasurement(
        width_mm=width_mm,
        chord=(spacing.to_px(a), spacing.to_px(b)),
        area_mm2=area_mm2,
        volume_ml=volume_mm3 / 1000.0,
        si_volumetric=volume_mm3 / (math.pi / 6.0 * length_mm**3),
    )


def _polygon_mm(contour, spacing: Spacing) -> Polygon:
    """The contour as a valid shapely polygon in mm, or GeometryError."""
    if isinstance(contour, Polygon):
        if len(contour.interiors):
            raise GeometryError("an endocardial contour is one outline without holes")
        contour = np.asarray(contour.exterior.coords)
    points = np.asarray(contour, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise GeometryError("a contour must be a list of (x, y) points")
    if not np.isfinite(points).all():
        raise GeometryError("the contour has points without a valid position")
    if len(points) > 1 and np.array_equal(points[0], points[-1]):
        points = points[:-1]  # an explicitly closed ring
    if len(np.unique(points, axis=0)) < 3:
        raise GeometryError("a contour needs at least 3 distinct points; draw around the cavity")
    polygon = Polygon(points * (spacing.col_mm, spacing.row_mm))
    # A bow tie also has zero (signed) area, so "no area" means all points on one line.
    if not polygon.convex_hull.area > 0.0:
        raise GeometryError("the contour encloses no area; draw around the cavity")
    if not polygon.is_valid:
        raise GeometryError(f"the contour crosses itself ({_where(polygon, spacing)}); redraw it")
    return polygon


def _where(polygon: Polygon, spacing: Spacing) -> str:
    """The place shapely reports as invalid, in pixels."""
    reason = explain_validity(polygon)
    if "[" not in reason:
        return reason
    try:
        x, y = (float(v) for v in reason[reason.index("[") + 1 : reason.index("]")].split())
    except ValueError:
        return reason
    px = spacing.to_px((x, y))
    return f"near pixel ({px[0]:.1f}, {px[1]:.1f})"


def _widest_chord(polygon: Polygon, frame: AxisFrame) -> tuple[tuple[Point, Point], float]:
    """The longest chord inside the polygon perpendicular to the axis, in mm, exactly.

    In axis coordinates (along u, across n) a chord at level a is an interval between two
    crossings of the boundary with the line along = a. Between two consecutive vertex levels the
    same edges cross, each crossing moves linearly, so every chord length is linear: the longest
    chord is a limit at a vertex level, from above or from below. Both limits are evaluated with
    a half-open crossing rule (a vertex on the line counts as below, resp. above it).
    """
    coords = np.asarray(polygon.exterior.coords)  # closed ring: last point repeats the first
    rel = coords - np.asarray(frame.spacing.to_mm(frame.origin))
    along, across = rel @ np.asarray(frame.u), rel @ np.asarray(frame.n)
    levels = np.unique(along)
    candidates = [_longest_interval(along, across, levels, side) for side in ("left", "right")]
    length, level, lo, hi = max(candidates)
    if not length > 0.0:
        raise GeometryError("no chord perpendicular to the long axis fits inside the contour")
    origin, u, n = frame.spacing.to_mm(frame.origin), frame.u, frame.n
    ends = [
        (origin[0] + level * u[0] + c * n[0], origin[1] + level * u[1] + c * n[1]) for c in (lo, hi)
    ]
    return (ends[0], ends[1]), length


def _longest_interval(
    along, across, levels, side: Literal["left", "right"]
) -> tuple[float, float, float, float]:
    """(length, level, low, high) of the longest inside interval at the given sorted levels.

    side "left": an edge crosses level a when min <= a < max (the limit from above);
    side "right": when min < a <= max (the limit from below).
    """
    a0, a1, c0, c1 = along[:-1], along[1:], across[:-1], across[1:]
    first = np.searchsorted(levels, np.minimum(a0, a1), side)
    counts = np.searchsorted(levels, np.maximum(a0, a1), side) - first
    edge = np.repeat(np.arange(len(a0)), counts)
    k = np.repeat(first - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    t = (levels[k] - a0[edge]) / (a1[edge] - a0[edge])  # crossing edges are never level
    at = c0[edge] + t * (c1[edge] - c0[edge])
    order = np.lexsort((at, k))
    k, at = k[order], at[order]
    # A closed ring crosses each level an even number of times: pairs bound the insides.
    rank = np.arange(len(k)) - np.searchsorted(k, k, "left")
    pair = np.flatnonzero((rank[:-1] % 2 == 0) & (k[1:] == k[:-1]))
    if len(pair) == 0:
        return (-1.0, 0.0, 0.0, 0.0)
    lengths = at[pair + 1] - at[pair]
    i = pair[int(np.argmax(lengths))]
    return (float(at[i + 1] - at[i]), float(levels[k[i]]), float(at[i]), float(at[i + 1]))
