"""Label map and clean tissue intensities of one phase: polygons painted onto the pixel grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from core.phantom import labels as lab
from core.phantom.acquisition import smooth_field
from core.phantom.shapes import Affine


def rasterize(points_px: np.ndarray, shape: tuple[int, int]) -> tuple[slice, slice, np.ndarray]:
    """Pixels whose centres lie inside a polygon (even-odd rule), as a window and its mask.

    Scanline fill, vectorised over all edges and rows of the polygon's bounding box: several
    times faster than point-in-polygon tests for the large outlines of the chest, and exact, so
    the cavity mask agrees with the polygon the truth is measured on.
    """
    rows, cols = shape
    x, y = points_px[:, 0], points_px[:, 1]
    r0, r1 = max(int(np.ceil(y.min())), 0), min(int(np.floor(y.max())), rows - 1)
    c0, c1 = max(int(np.ceil(x.min())), 0), min(int(np.floor(x.max())), cols - 1)
    if r1 < r0 or c1 < c0:
        return slice(0, 0), slice(0, 0), np.zeros((0, 0), dtype=bool)
    ys = np.arange(r0, r1 + 1, dtype=float)[:, None]
    xa, ya, xb, yb = x, y, np.roll(x, -1), np.roll(y, -1)
    crosses = (ya <= ys) != (yb <= ys)  # half-open: a vertex on a row counts once
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = xa + (ys - ya) * (xb - xa) / (yb - ya)
    row_idx, edge_idx = np.nonzero(crosses)
    xs = xs[row_idx, edge_idx]
    order = np.lexsort((xs, row_idx))
    row_idx, xs = row_idx[order], xs[order]
    width = c1 - c0 + 1
    diff = np.zeros((r1 - r0 + 1, width + 1), dtype=np.int32)
    start = np.clip(np.floor(xs[0::2]).astype(int) + 1 - c0, 0, width)  # first centre > x
    stop = np.clip(np.ceil(xs[1::2]).astype(int) - c0, 0, width)  # first centre >= x
    np.add.at(diff, (row_idx[0::2], start), 1)
    np.add.at(diff, (row_idx[1::2], stop), -1)
    mask = np.cumsum(diff[:, :width], axis=1) > 0
    return slice(r0, r1 + 1), slice(c0, c1 + 1), mask


def mask_of(points_px: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    rs, cs, sub = rasterize(points_px, shape)
    mask[rs, cs] = sub
    return mask


def paint_labels(
    paint: list[tuple[int, np.ndarray]], to_px: Affine, labels: np.ndarray
) -> np.ndarray:
    """Paint (label, body-mm polygon) pairs in order onto a copy of `labels` (later cover earlier).

    Pillow's scanline fill: ten times faster than the exact fill and within half a pixel, which
    is all the anatomy around the LV cavity needs (the cavity itself uses `mask_of`).
    """
    image = Image.fromarray(labels)
    draw = ImageDraw.Draw(image)
    for label, polygon in paint:
        draw.polygon(to_px(polygon).ravel().tolist(), fill=int(label))
    return np.array(image)


@dataclass(frozen=True)
class Tissues:
    """Series-wide tissue appearance: levels, textures and the blood's own inhomogeneity."""

    level: np.ndarray  # per label, relative to LV blood
    texture: np.ndarray  # per label, relative amplitude of its texture field
    fields: np.ndarray  # (3, rows, cols) smooth unit fields at three scales
    field_index: np.ndarray  # per label: which field textures it
    blood: np.ndarray  # (rows, cols) multiplicative blood inhomogeneity
    ink: float  # depth of the dark fat-water boundary (0: none)
    jet: tuple[float, float] = (0.0, 0.0)  # inflow jet and outflow tract: signed relative change

    @classmethod
    def draw(cls, rng: np.random.Generator, shape: tuple[int, int], fam=None) -> Tissues:
        level, texture, field_index = lab.draw_intensities(rng, fam)
        fields = np.stack([smooth_field(rng, shape, cells) for cells in (5, 14, 40)])
        # Flow and coil sensitivity: 15-20 % spread inside the cavity (about +-2 sigma).
        spread = rng.uniform(0.15, 0.2)
        blood = 1.0 + 0.25 * spread * smooth_field(rng, shape, int(rng.integers(8, 16)))
        ink = rng.uniform(0.3, 0.8) if rng.random() < 0.5 else 0.0
        # flow: fresh inflowing blood brightens, dephasing in fast or turbulent flow darkens
        jet = (rng.choice([-1.0, 1.0]) * rng.uniform(0.08, 0.2), -rng.uniform(0.05, 0.15))
        return cls(level, texture, fields, field_index, blood.astype(np.float32), ink, jet)

    def india_ink(self, labels: np.ndarray, img: np.ndarray) -> np.ndarray:
        """SSFP's chemical-shift boundary: a dark line where fat meets water-based tissue.

        Fat and water pixels at the border cancel when they are out of phase at the echo time;
        real SSFP cines outline the pericardial and subcutaneous fat in black this way.
        """
        if self.ink <= 0.0:
            return img
        fat = np.isin(labels, (lab.SUBCUT_FAT, lab.PERI_FAT))
        water = ~fat & (labels != lab.AIR) & (labels != lab.LUNG)
        edge = fat & ndimage.binary_dilation(water)
        img[edge] *= 1.0 - self.ink
        return img

    def intensities(self, labels: np.ndarray) -> np.ndarray:
        """Clean relative intensity of a label map (before bias, artefacts and noise)."""
        rows, cols = labels.shape
        chosen = self.fields[self.field_index[labels], np.arange(rows)[:, None], np.arange(cols)]
        img = self.level[labels].astype(np.float32) * (1.0 + self.texture[labels] * chosen)
        blood = np.isin(labels, (*lab.BLOOD, lab.FLOW_VOID, lab.DESC_AORTA, lab.VESSEL))
        img[blood] *= self.blood[blood]
        return self.india_ink(labels, np.clip(img, 0.0, None))


def flow_field(
    cavity_px: np.ndarray, lv: np.ndarray, jet: tuple[float, float], inflow: float, outflow: float
) -> np.ndarray:
    """Multiplicative flow pattern over the LV cavity (1 elsewhere): a smooth jet from the
    mitral annulus toward the apex, scaled by `inflow` (0-1), and a band along the septum below
    hinge A (the outflow tract), scaled by `outflow` (0-1)."""
    field = np.ones(lv.shape, dtype=np.float32)
    rows, cols = np.nonzero(lv)
    if rows.size == 0:
        return field
    a, b = cavity_px[0], cavity_px[-1]
    m = 0.5 * (a + b)
    apex = cavity_px[int(np.argmax(np.linalg.norm(cavity_px - m, axis=1)))]
    length = max(float(np.linalg.norm(apex - m)), 1.0)
    u = (apex - m) / length
    n = np.array([-u[1], u[0]])
    half = max(0.5 * float(np.linalg.norm(b - a)), 1.0)
    rel = np.stack([cols - m[0], rows - m[1]], axis=1)
    along, across = rel @ u / length, rel @ n
    shape = np.clip(along, 0.0, None) * np.exp(-2.0 * along)  # rises past the annulus, fades
    jet_v = inflow * jet[0] * 5.4 * shape * np.exp(-((across / (0.45 * half)) ** 2))
    side = np.sign((a - m) @ n)  # the septal hinge's side of the axis
    out = (
        outflow
        * jet[1]
        * np.exp(-((along / 0.3) ** 2))
        * np.exp(-(((across - side * 0.6 * half) / (0.4 * half)) ** 2))
    )
    field[rows, cols] = (1.0 + jet_v + out).astype(np.float32)
    return field
