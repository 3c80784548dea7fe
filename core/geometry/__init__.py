"""SI geometry in mm: value types, the one SI function, the perpendicular constraint, contours."""

from core.geometry.frame import AxisFrame, distance_mm, midpoint
from core.geometry.measure import measure, validate_landmarks
from core.geometry.types import (
    LANDMARK_NAMES,
    ContourMeasurement,
    GeometryError,
    Landmarks,
    Measurement,
    Point,
    Spacing,
)

__all__ = [
    "LANDMARK_NAMES",
    "AxisFrame",
    "ContourMeasurement",
    "GeometryError",
    "Landmarks",
    "Measurement",
    "Point",
    "Spacing",
    "distance_mm",
    "measure",
    "midpoint",
    "validate_landmarks",
]
