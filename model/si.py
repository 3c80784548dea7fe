"""SI from predicted landmarks, through core.geometry (the one SI function).

Predicted W1 and W2 are never exactly perpendicular to the predicted long axis. The width is
rebuilt perpendicular by core.geometry.perpendicular_width (the rule suggestions follow too);
measure() then gives the SI as for any reading.
"""

from __future__ import annotations

import math

from core.geometry import GeometryError, Landmarks, Spacing, measure, perpendicular_width


def si_from_landmarks(lm: Landmarks, spacing: Spacing) -> float:
    """SI of predicted landmarks (width made perpendicular first); NaN when they are degenerate."""
    try:
        return measure(perpendicular_width(lm, spacing), spacing).si
    except GeometryError:
        return math.nan
