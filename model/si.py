"""SI from predicted landmarks, through core.geometry (the one SI function).

Predicted W1 and W2 are never exactly perpendicular to the predicted long axis. The width is
rebuilt perpendicular with core.geometry.constraint.drag_width_endpoint (W1 "dragged" onto its
own position): both ends keep their mm distances from the axis, so the width becomes the part
of W1-W2 perpendicular to the axis; measure() then gives the SI as for any reading.
"""

from __future__ import annotations

import math

from core.geometry import GeometryError, Landmarks, Spacing, measure
from core.geometry.constraint import drag_width_endpoint


def perpendicular_width(lm: Landmarks, spacing: Spacing) -> Landmarks:
    """The landmarks with W1-W2 made perpendicular to the long axis in mm (see module doc)."""
    return drag_width_endpoint(lm, "w1", lm.w1, spacing)


def si_from_landmarks(lm: Landmarks, spacing: Spacing) -> float:
    """SI of predicted landmarks (width made perpendicular first); NaN when they are degenerate."""
    try:
        return measure(perpendicular_width(lm, spacing), spacing).si
    except GeometryError:
        return math.nan
