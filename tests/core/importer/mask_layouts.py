"""Synthetic label maps of every valve layout, drawn in mm, with their exact hinge points and apex.

The LV cavity is an ellipse (semi-axes across_mm, along_mm) cut by the valve plane at
base_frac * along_mm from its centre; the hinge points are where the cut meets the ellipse. The
myocardium is a ring wall_mm thick around the cavity up to the valve plane. Layouts:

- "valve":    the atrium touches the cavity along the whole valve;
- "sliver":   the myocardium wraps the base, the atrium touches the cavity only through a gap of
              gap_px pixels (the real-map failure);
- "wrap1", "wrap2": the myocardium wraps the base 1 or 2 pixels thick; the atrium lies beyond;
- "open":     no atrium label, the myocardium ring is open at the base (3-label maps);
- "closed":   no atrium label, the myocardium wraps the base 1-2 pixels thick (3-label maps).

Everything is drawn in a local mm frame (u across, v along the long axis toward the base), then
turned, optionally mirrored and placed on the pixel grid of the given spacing. With rv=True the
right ventricle (3) and right atrium (5) are drawn beside the septum, as in 5-label 4-chamber maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.geometry import Spacing

LV, MYO, RV, LA, RA = 1, 2, 3, 4, 5
LAYOUTS = ("valve", "sliver", "wrap1", "wrap2", "open", "closed")
WITH_ATRIUM = ("valve", "sliver", "wrap1", "wrap2")
DEFAULT_SPACING = Spacing(1.5, 1.5)
FIELD_MM = 200.0  # side of the square field of view when no shape is given


@dataclass(frozen=True)
class Heart:
    """One drawn heart: the label map and its exact landmarks in pixel (x, y)."""

    labels: np.ndarray
    hinges: tuple[tuple[float, float], tuple[float, float]]
    apex: tuple[float, float]
    spacing: Spacing

    @property
    def annulus_mm(self) -> float:
        (ax, ay), (bx, by) = self.hinges
        return math.hypot((ax - bx) * self.spacing.col_mm, (ay - by) * self.spacing.row_mm)


def draw_heart(
    layout: str,
    *,
    spacing: Spacing = DEFAULT_SPACING,
    shape: tuple[int, int] | None = None,
    across_mm: float = 24.0,
    along_mm: float = 50.0,
    base_frac: float = 0.6,
    wall_mm: float = 8.0,
    angle_deg: float = 0.0,
    mirror: bool = False,
    atrium_frac: float = 1.2,
    gap_px: float = 2.5,
    gap_offset: float = 0.0,
    rv: bool = False,
) -> Heart:
    """A label map of one layout (see the module docstring) and its exact hinges and apex."""
    if shape is None:
        shape = (int(FIELD_MM / spacing.row_mm), int(FIELD_MM / spacing.col_mm))
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    centre = np.array([shape[1] * spacing.col_mm, shape[0] * spacing.row_mm]) / 2.0
    turn = math.radians(angle_deg)
    c, s = math.cos(turn), math.sin(turn)
    sign = -1.0 if mirror else 1.0

    def to_image_mm(u, v):
        u = sign * u
        return centre[0] + c * u - s * v, centre[1] + s * u + c * v

    x_mm, y_mm = cols * spacing.col_mm - centre[0], rows * spacing.row_mm - centre[1]
    u = sign * (c * x_mm + s * y_mm)
    v = -s * x_mm + c * y_mm
    # the ellipse's centre sits a little apex-side of the image centre, so the atrium fits
    v = v + 0.25 * along_mm
    labels = _draw(
        layout,
        u,
        v,
        spacing,
        across_mm,
        along_mm,
        base_frac,
        wall_mm,
        atrium_frac,
        gap_px,
        gap_offset,
        rv,
    )
    half = across_mm * math.sqrt(1.0 - base_frac**2)
    base = base_frac * along_mm
    to_px = np.array([spacing.col_mm, spacing.row_mm])

    def point(uu, vv):
        x, y = to_image_mm(uu, vv - 0.25 * along_mm)
        return (float(x / to_px[0]), float(y / to_px[1]))

    return Heart(labels, (point(-half, base), point(half, base)), point(0.0, -along_mm), spacing)


def _draw(layout, u, v, spacing, a, b, base_frac, wall_mm, atrium_frac, gap_px, gap_offset, rv):
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    pixel_mm = math.sqrt(spacing.row_mm * spacing.col_mm)
    base = base_frac * b
    cavity = ((u / a) ** 2 + (v / b) ** 2 <= 1.0) & (v <= base)
    outer = (u / (a + wall_mm)) ** 2 + (v / (b + wall_mm)) ** 2 <= 1.0
    outer_half = (a + wall_mm) * math.sqrt(max(0.0, 1.0 - (base / (b + wall_mm)) ** 2))
    wrap_px = {"sliver": 1.5, "wrap1": 1.0, "wrap2": 2.0, "closed": 1.5}.get(layout, 0.0)
    wrap_mm = wrap_px * pixel_mm
    wrap = (v > base) & (v <= base + wrap_mm) & (np.abs(u) <= outer_half)
    if layout == "sliver":
        wrap &= np.abs(u - gap_offset * a) > 0.5 * gap_px * pixel_mm
    labels = np.zeros(u.shape, np.int32)
    if rv:  # right heart beside the septum (the -u side), as 5-label 4-chamber maps draw it
        right = (u < -(a + wall_mm)) & (u > -(2.6 * a + wall_mm))
        labels[right & (v > -0.8 * b) & (v <= base)] = RV
        labels[right & (v > base + wrap_mm) & (v < base + 1.6 * a)] = RA
    labels[(outer & (v <= base)) | wrap] = MYO
    labels[cavity] = LV
    if layout in WITH_ATRIUM:
        half = atrium_frac * a * math.sqrt(1.0 - base_frac**2)
        depth = 1.4 * half
        lu, lv_ = u / half, (v - (base + wrap_mm)) / depth
        atrium = (lv_ > 0) & (lu**2 + (lv_ - 0.0) ** 2 <= 1.0) & (labels == 0) | (
            (lv_ > 0) & (np.abs(lu) <= 1.0) & (lv_ <= 0.5) & (labels == 0)
        )
        if layout == "sliver":  # the atrium fills the gap in the wrap up to the cavity
            atrium |= (v > base) & (v <= base + wrap_mm) & (labels == 0) & (np.abs(u) < half)
        labels[atrium & (labels == 0)] = LA
    return labels
