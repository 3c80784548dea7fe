"""Value types of the SI geometry: points, pixel spacing, landmarks, measurements, errors.

Coordinates are image pixel coordinates as floats, (x, y) = (column, row), with pixel centres at
integer values. Millimetres: x_mm = x * spacing.col_mm, y_mm = y * spacing.row_mm.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields

Point = tuple[float, float]

LANDMARK_NAMES: tuple[str, ...] = ("apex", "hinge_a", "hinge_b", "w1", "w2")


class GeometryError(ValueError):
    """Degenerate geometric input, with a message a user can act on."""


@dataclass(frozen=True)
class Spacing:
    """Pixel spacing in mm: row_mm between rows (y), col_mm between columns (x)."""

    row_mm: float
    col_mm: float

    def __post_init__(self) -> None:
        for name in ("row_mm", "col_mm"):
            value = getattr(self, name)
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not (ok and math.isfinite(value) and value > 0):
                raise GeometryError(
                    f"pixel spacing {name} must be a positive number, got {value!r}"
                )
            # numpy and pydicom numbers become plain floats: equality and hashing stay simple.
            object.__setattr__(self, name, float(value))

    @classmethod
    def isotropic(cls, mm: float) -> Spacing:
        return cls(mm, mm)

    def to_mm(self, p: Point) -> Point:
        return (p[0] * self.col_mm, p[1] * self.row_mm)

    def to_px(self, q: Point) -> Point:
        return (q[0] / self.col_mm, q[1] / self.row_mm)


# Spacing unknown: measure as if pixels were square, 1 mm each. The SI is a ratio, so it
# survives a uniform unknown scale; the lengths in mm are then not known (the store keeps None).
UNKNOWN_SPACING = Spacing(1.0, 1.0)


def spacing_or_unknown(spacing: Spacing | None) -> Spacing:
    """The image's spacing, or UNKNOWN_SPACING (square 1 mm pixels) when it has none."""
    return UNKNOWN_SPACING if spacing is None else spacing


@dataclass(frozen=True)
class Landmarks:
    """The five landmarks of one reading, in pixel coordinates."""

    apex: Point
    hinge_a: Point
    hinge_b: Point
    w1: Point
    w2: Point

    def to_dict(self) -> dict[str, list[float]]:
        return {f.name: [float(v) for v in getattr(self, f.name)] for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> Landmarks:
        try:
            return cls(**{name: _point(data[name], name) for name in LANDMARK_NAMES})
        except KeyError as exc:
            raise GeometryError(f"landmark {exc.args[0]!r} is missing") from None

    def points(self) -> tuple[Point, ...]:
        return (self.apex, self.hinge_a, self.hinge_b, self.w1, self.w2)

    def replace(self, **changes: Point) -> Landmarks:
        values = {name: getattr(self, name) for name in LANDMARK_NAMES}
        values.update({k: _point(v, k) for k, v in changes.items()})
        return Landmarks(**values)


@dataclass(frozen=True)
class Measurement:
    """Long axis, width and SI of one set of landmarks, in mm."""

    length_mm: float
    width_mm: float
    si: float


@dataclass(frozen=True)
class ContourMeasurement:
    """What an endocardial contour gives: its own width, area, area–length volume, volumetric SI."""

    width_mm: float
    chord: tuple[Point, Point]  # pixel coordinates of the widest perpendicular chord
    area_mm2: float
    volume_ml: float
    si_volumetric: float


def _point(value, name: str) -> Point:
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError):
        raise GeometryError(f"landmark {name} must be two numbers, got {value!r}") from None
    return (x, y)
