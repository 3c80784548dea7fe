"""What an endocardial contour gives: widest perpendicular chord, area, area-length volume."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.validation import explain_validity

from core.geometry.frame import AxisFrame
from core.geometry.types import ContourMeasurement, GeometryError, Landmarks, Point, Spacing

# Levels swept densely between the contour's vertex levels (where the exact maximum lies for a
# polygon, see _chord_levels): a safety net that costs little.
DENSE_LEVELS = 512


def contour_measure(
    contour: Sequence[Point] | np.ndarray | Polygon, landmarks: Landmarks, spacing: Spacing
) -> ContourMeasurement:
    """Width, area, area-length volume and volumetric SI of a contour, in mm.

    `contour` is a polygon of pixel points (x, y). The width is the longest single chord inside
    the contour perpendicular (in mm) to the long axis of `landmarks`. With L the long-axis
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


def _chord_levels(polygon: Polygon, frame: AxisFrame) -> tuple[np.ndarray, float, float]:
    """Candidate levels (mm along u from the origin) and the across-axis extent in mm.

    Between two consecutive vertex levels each chord's ends move linearly along fixed edges, so
    its length is linear there and the longest chord lies at a vertex level.
    """
    coords = np.asarray(polygon.exterior.coords)
    origin = frame.spacing.to_mm(frame.origin)
    rel = coords - origin
    along = rel @ frame.u
    across = rel @ frame.n
    dense = np.linspace(along.min(), along.max(), DENSE_LEVELS)
    return np.unique(np.concatenate([along, dense])), float(across.min()), float(across.max())


def _widest_chord(polygon: Polygon, frame: AxisFrame) -> tuple[tuple[Point, Point], float]:
    levels, lo, hi = _chord_levels(polygon, frame)
    margin = 1.0 + 0.01 * (hi - lo)
    origin = np.asarray(frame.spacing.to_mm(frame.origin))
    u, n = np.asarray(frame.u), np.asarray(frame.n)
    starts = origin + np.outer(levels, u) + (lo - margin) * n
    ends = origin + np.outer(levels, u) + (hi + margin) * n
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))
    best, best_len = None, -1.0
    for piece in shapely.intersection(lines, polygon):
        for segment in _segments(piece):
            if segment.length > best_len:
                best, best_len = segment, segment.length
    if best is None:
        raise GeometryError("no chord perpendicular to the long axis fits inside the contour")
    (ax, ay), (bx, by) = best.coords[0], best.coords[-1]
    return ((ax, ay), (bx, by)), float(best_len)


def _segments(geometry) -> list[LineString]:
    """The line pieces of an intersection result (points and empties carry no length)."""
    if isinstance(geometry, LineString):
        return [] if geometry.is_empty else [geometry]
    lines = [g for g in getattr(geometry, "geoms", []) if isinstance(g, LineString)]
    if len(lines) < 2:
        return lines
    # A chord through a reflex vertex can come back as two pieces that touch: one chord.
    merged = shapely.line_merge(shapely.multilinestrings(lines))
    return [merged] if isinstance(merged, LineString) else list(merged.geoms)
