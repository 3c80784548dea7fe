"""Synthetic label maps of every valve layout, drawn in mm, with their exact hinge points and apex.

The LV cavity is an ellipse (semi-axes across_mm, along_mm) cut by the valve plane at
base_frac * along_mm from its centre; the hinge points are where the cut meets the ellipse. The
myocardium is a ring wall_mm thick around the cavity up to the valve plane. Layouts:

- "valve":    the atrium touches the cavity along the whole valve;
- "sliver":   the myocardium wraps the base, the atrium touches the cavity only through a gap of
              gap_px pixels (the real-map failure);
- "wrap1", "wrap2": the myocardium wraps the base 1 or 2 pixels thick; the atrium lies beyond;
- "open":     no atrium label, the myocardium ring is open at the base (3-label maps);
- "closed":   no atrium label, the myocardium wraps the base 1.5 pixels thick (3-label maps).

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
WRAP_PX = {"sliver": 1.5, "wrap1": 1.0, "wrap2": 2.0, "closed": 1.5}
FIELD_MM = 200.0  # side of the square field of view when no shape is given


@dataclass(frozen=True)
class Shape:
    """Sizes of one drawn heart (mm unless named otherwise)."""

    across_mm: float = 24.0  # cavity semi-axis across the long axis
    along_mm: float = 50.0  # cavity semi-axis along it
    base_frac: float = 0.6  # the valve plane, as a fraction of along_mm from the centre
    wall_mm: float = 8.0
    apex_wall_frac: float = 1.0  # the wall at the apex, as a fraction of wall_mm
    atrium_frac: float = 1.2  # atrium half-width, as a fraction of the annulus half-width
    gap_px: float = 2.5  # "sliver": the gap in the wrap where the atrium touches the cavity
    gap_offset: float = 0.0  # "sliver": where the gap sits, as a fraction of across_mm
    rv: bool = False
    wrap_px: float | None = None  # the layout's wrap thickness (WRAP_PX) unless given


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
    spacing: Spacing | None = None,
    shape: tuple[int, int] | None = None,
    angle_deg: float = 0.0,
    mirror: bool = False,
    **sizes,
) -> Heart:
    """A label map of one layout (see the module docstring) and its exact hinges and apex.

    `sizes` are Shape's fields; the field of view is FIELD_MM square unless `shape` is given.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    spacing = spacing or Spacing(1.5, 1.5)
    sh = Shape(**sizes)
    if shape is None:
        shape = (int(FIELD_MM / spacing.row_mm), int(FIELD_MM / spacing.col_mm))
    centre = np.array([shape[1] * spacing.col_mm, shape[0] * spacing.row_mm]) / 2.0
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    sign = -1.0 if mirror else 1.0
    shift = 0.25 * sh.along_mm  # the cavity sits apex-side of the centre, so the atrium fits

    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    x_mm, y_mm = cols * spacing.col_mm - centre[0], rows * spacing.row_mm - centre[1]
    u = sign * (c * x_mm + s * y_mm)
    v = -s * x_mm + c * y_mm + shift
    labels = _draw(layout, sh, u, v, math.sqrt(spacing.row_mm * spacing.col_mm))

    def point(uu: float, vv: float) -> tuple[float, float]:
        uu, vv = sign * uu, vv - shift
        x, y = centre[0] + c * uu - s * vv, centre[1] + s * uu + c * vv
        return (float(x / spacing.col_mm), float(y / spacing.row_mm))

    half = sh.across_mm * math.sqrt(1.0 - sh.base_frac**2)
    base = sh.base_frac * sh.along_mm
    hinges = (point(-half, base), point(half, base))
    return Heart(labels, hinges, point(0.0, -sh.along_mm), spacing)


def _draw(layout: str, sh: Shape, u: np.ndarray, v: np.ndarray, pixel_mm: float) -> np.ndarray:
    a, b, wall = sh.across_mm, sh.along_mm, sh.wall_mm
    base = sh.base_frac * b
    cavity = ((u / a) ** 2 + (v / b) ** 2 <= 1.0) & (v <= base)
    outer_b = b + sh.apex_wall_frac * wall
    outer = (u / (a + wall)) ** 2 + (v / outer_b) ** 2 <= 1.0
    outer_half = (a + wall) * math.sqrt(max(0.0, 1.0 - (base / outer_b) ** 2))
    wrap_px = WRAP_PX.get(layout, 0.0) if sh.wrap_px is None else sh.wrap_px
    wrap_mm = wrap_px * pixel_mm
    wrap = (v > base) & (v <= base + wrap_mm) & (np.abs(u) <= outer_half)
    if layout == "sliver":
        wrap &= np.abs(u - sh.gap_offset * a) > 0.5 * sh.gap_px * pixel_mm
    labels = np.zeros(u.shape, np.int32)
    if sh.rv:  # right heart beside the septum (the -u side), as 5-label 4-chamber maps draw it
        right = (u < -(a + wall)) & (u > -(2.6 * a + wall))
        labels[right & (v > -0.8 * b) & (v <= base)] = RV
        labels[right & (v > base + wrap_mm) & (v < base + 1.6 * a)] = RA
    labels[(outer & (v <= base)) | wrap] = MYO
    labels[cavity] = LV
    if layout in WITH_ATRIUM:
        half = sh.atrium_frac * a * math.sqrt(1.0 - sh.base_frac**2)
        lu, lv = u / half, (v - (base + wrap_mm)) / (1.4 * half)
        atrium = (lv > 0) & ((lu**2 + lv**2 <= 1.0) | ((np.abs(lu) <= 1.0) & (lv <= 0.5)))
        if layout == "sliver":  # the atrium fills the gap in the wrap up to the cavity
            atrium |= (v > base) & (v <= base + wrap_mm) & (np.abs(u) < half)
        labels[atrium & (labels == 0)] = LA
    return labels
