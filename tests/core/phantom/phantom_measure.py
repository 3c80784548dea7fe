"""Measure LV long axis, width and SI from phantom masks alone (independent of core.geometry)."""

from __future__ import annotations

import numpy as np
import shapely
from skimage.measure import find_contours


def cavity_outline(lv: np.ndarray) -> np.ndarray:
    """The LV mask's border as (x, y) points through the edge midpoints (largest piece)."""
    padded = np.pad(lv.astype(float), 1)
    contours = find_contours(padded, 0.5)
    rows_cols = max(contours, key=len) - 1.0
    return rows_cols[:, ::-1]


def annulus_ends(outline: np.ndarray, lv: np.ndarray, la: np.ndarray) -> tuple[np.ndarray, ...]:
    """The two ends of the stretch of LV border whose outside neighbour pixel is LA."""
    touching = []
    for x, y in outline:
        # a border point lies halfway between an LV pixel and its outside neighbour
        for r, c in {(int(np.floor(y)), int(np.floor(x))), (int(np.ceil(y)), int(np.ceil(x)))}:
            inside_image = 0 <= r < la.shape[0] and 0 <= c < la.shape[1]
            if inside_image and la[r, c] and not lv[r, c]:
                touching.append((x, y))
    pts = np.unique(np.asarray(touching), axis=0)
    centre = pts.mean(axis=0)
    direction = np.linalg.svd(pts - centre)[2][0]
    proj = (pts - centre) @ direction
    return pts[int(np.argmin(proj))], pts[int(np.argmax(proj))]


def measure_mask(lv: np.ndarray, la: np.ndarray, row_mm: float, col_mm: float) -> dict:
    """Length, width (widest chord perpendicular to the axis, in mm) and SI of an LV mask."""
    scale = np.array([col_mm, row_mm])
    outline = cavity_outline(lv)
    a, b = annulus_ends(outline, lv, la)
    m = 0.5 * (a + b)
    dist = np.linalg.norm((outline - m) * scale, axis=1)
    apex = outline[int(np.argmax(dist))]
    length_mm = float(dist.max())
    poly = shapely.Polygon(outline * scale).buffer(0)
    u = (apex - m) * scale / length_mm
    n = np.array([-u[1], u[0]])
    levels = np.linspace(0.0, length_mm, 800)
    m_mm = m * scale
    reach = 2.0 * length_mm
    lines = shapely.linestrings(
        np.stack(
            [m_mm + np.outer(levels, u) - reach * n, m_mm + np.outer(levels, u) + reach * n], 1
        )
    )
    width_mm = 0.0
    for piece in shapely.intersection(lines, poly):
        parts = getattr(piece, "geoms", [piece])
        width_mm = max([width_mm, *(p.length for p in parts if p.geom_type == "LineString")])
    return {
        "length_mm": length_mm,
        "width_mm": width_mm,
        "si": width_mm / length_mm,
        "apex": apex,
        "hinge_a": a,
        "hinge_b": b,
    }
