"""SI geometry in mm: value types, the one SI function, the perpendicular constraint, contours."""

from core.geometry.constraint import (
    default_width,
    drag_axis_point,
    drag_width_endpoint,
    perpendicular_width,
    snap_mid_length,
    swap_roles_if_needed,
    width_level,
)
from core.geometry.contour import contour_measure
from core.geometry.frame import AxisFrame, distance_mm, midpoint
from core.geometry.measure import measure, validate_landmarks
from core.geometry.profile import widest_width_from_image
from core.geometry.types import (
    LANDMARK_NAMES,
    UNKNOWN_SPACING,
    ContourMeasurement,
    GeometryError,
    Landmarks,
    Measurement,
    Point,
    Spacing,
    spacing_or_unknown,
)

__all__ = [
    "LANDMARK_NAMES",
    "UNKNOWN_SPACING",
    "AxisFrame",
    "ContourMeasurement",
    "GeometryError",
    "Landmarks",
    "Measurement",
    "Point",
    "Spacing",
    "contour_measure",
    "default_width",
    "distance_mm",
    "drag_axis_point",
    "drag_width_endpoint",
    "measure",
    "midpoint",
    "perpendicular_width",
    "snap_mid_length",
    "spacing_or_unknown",
    "swap_roles_if_needed",
    "validate_landmarks",
    "widest_width_from_image",
    "width_level",
]
