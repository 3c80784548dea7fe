"""The long-axis frame in mm: levels along the axis and signed distances across it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.geometry.types import GeometryError, Landmarks, Point, Spacing


def midpoint(a: Point, b: Point) -> Point:
    """Midpoint of two points (the same in pixel and mm space: spacing is a linear map)."""
    return ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)


def distance_mm(a: Point, b: Point, spacing: Spacing) -> float:
    """Euclidean distance between two pixel points, measured in mm."""
    return math.hypot((a[0] - b[0]) * spacing.col_mm, (a[1] - b[1]) * spacing.row_mm)


@dataclass(frozen=True)
class AxisFrame:
    """Orthonormal mm frame of a long axis.

    Origin at the hinge midpoint M, unit vector u from M toward the apex, normal n = u turned
    +90 degrees in (x, y) mm. A point is (level, offset_mm): level is the fraction of the axis
    length from M (0) to the apex (1); offset_mm is the signed mm distance along n.
    """

    # Offsets are taken from M in pixels before scaling to mm: that keeps the direction exact to
    # float precision relative to the axis length, not to the size of the coordinates.
    origin: Point
    u: Point
    n: Point
    length_mm: float
    spacing: Spacing

    @classmethod
    def from_axis(cls, apex: Point, hinge_a: Point, hinge_b: Point, spacing: Spacing) -> AxisFrame:
        """Frame of the axis hinge midpoint -> apex; GeometryError when the axis has no length."""
        origin = midpoint(hinge_a, hinge_b)
        dx = (apex[0] - origin[0]) * spacing.col_mm
        dy = (apex[1] - origin[1]) * spacing.row_mm
        length = math.hypot(dx, dy)
        if not (math.isfinite(length) and length > 0.0):
            raise GeometryError(
                "the long axis has zero length: the apex lies on the midpoint of the mitral "
                "hinge points; move the apex toward the tip of the ventricle"
            )
        u = (dx / length, dy / length)
        return cls(origin, u, (-u[1], u[0]), length, spacing)

    @classmethod
    def of(cls, lm: Landmarks, spacing: Spacing) -> AxisFrame:
        """Frame of the long axis of a set of landmarks."""
        return cls.from_axis(lm.apex, lm.hinge_a, lm.hinge_b, spacing)

    def to_local(self, p: Point) -> tuple[float, float]:
        """(level, offset_mm) of a pixel point."""
        dx = (p[0] - self.origin[0]) * self.spacing.col_mm
        dy = (p[1] - self.origin[1]) * self.spacing.row_mm
        along = dx * self.u[0] + dy * self.u[1]
        across = dx * self.n[0] + dy * self.n[1]
        return along / self.length_mm, across

    def to_px(self, level: float, offset_mm: float) -> Point:
        """Pixel point at a level along the axis and a signed mm offset across it."""
        along = level * self.length_mm
        dx = along * self.u[0] + offset_mm * self.n[0]
        dy = along * self.u[1] + offset_mm * self.n[1]
        return (
            self.origin[0] + dx / self.spacing.col_mm,
            self.origin[1] + dy / self.spacing.row_mm,
        )
