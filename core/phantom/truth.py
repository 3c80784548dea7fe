"""Exact landmarks of a phantom cavity, by DESIGN.md's definitions and core.geometry's functions.

Hinge points A and B: the two ends of the mitral annulus (where the cavity border meets the LA).
Apex: the cavity point farthest (in mm) from the hinge midpoint M. Width W1-W2: the longest chord
inside the cavity perpendicular (in mm) to the long axis (core.geometry.contour_measure).
"""

from __future__ import annotations

import numpy as np

from core.geometry import Landmarks, Measurement, Spacing, contour_measure, measure


def cavity_landmarks(contour_px: np.ndarray, spacing: Spacing) -> tuple[Landmarks, Measurement]:
    """Landmarks and measurement of a cavity polygon that runs hinge A -> apex -> hinge B.

    The polygon's first and last points are the hinge points (its closing edge is the annulus).
    """
    a, b = contour_px[0], contour_px[-1]
    m = 0.5 * (a + b)
    scale = np.array([spacing.col_mm, spacing.row_mm])
    dist_mm = np.linalg.norm((contour_px - m) * scale, axis=1)
    apex = contour_px[int(np.argmax(dist_mm))]
    axis_only = Landmarks(_pt(apex), _pt(a), _pt(b), _pt(apex), _pt(m))
    chord = contour_measure(contour_px, axis_only, spacing).chord
    landmarks = Landmarks(_pt(apex), _pt(a), _pt(b), _pt(chord[0]), _pt(chord[1]))
    return landmarks, measure(landmarks, spacing)


def _pt(p) -> tuple[float, float]:
    return (float(p[0]), float(p[1]))
