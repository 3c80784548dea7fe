"""Phantom frames and cines: one random series (heart, chest, scanner), posed and imaged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from core.geometry import Landmarks, Spacing
from core.phantom import labels as lab
from core.phantom.acquisition import Grid, Scanner, acquire, draw_grid, draw_scanner
from core.phantom.body import build_body
from core.phantom.family import Family, FamilyName, family, family_rng
from core.phantom.heart import HeartModel
from core.phantom.render import Tissues, flow_field, mask_of, paint_labels
from core.phantom.shapes import Affine
from core.phantom.truth import cavity_landmarks

VIEWS = ("4CH", "2CH")
SI_RANGE = (0.42, 0.84)
# Labels that move with the heart beat (and so ghost along the phase-encode direction).
MOVING = np.zeros(lab.N_LABELS, dtype=np.float32)
MOVING[[lab.PERI_FAT, *range(lab.LV_MYO, lab.PAPILLARY + 1), lab.FLOW_VOID]] = 1.0


@dataclass(frozen=True)
class PhantomFrame:
    """One phantom image with its exact truth (landmarks in pixel coordinates, SI in mm/mm)."""

    pixels: np.ndarray  # uint16 (rows, cols)
    spacing: Spacing
    landmarks: Landmarks
    si: float
    length_mm: float
    width_mm: float
    view: str
    # "lv" (the compact cavity, papillary muscles and trabeculae included), "myo" (LV wall),
    # "la", "rv", "ra"; bool
    masks: dict[str, np.ndarray]
    lv_contour: list[tuple[float, float]]  # cavity border polygon, hinge A -> apex -> hinge B
    seed: int
    frame_index: int = 0
    contraction: float = 0.0  # 0 at end-diastole, 1 at end-systole
    family: str = "base"
    tissue_labels: np.ndarray | None = None  # uint8 map of core.phantom.labels' tissues


@dataclass(frozen=True)
class PhantomCine:
    """A phantom cine: frames of one series through one cardiac cycle."""

    frames: list[PhantomFrame]
    ed_index: int
    es_index: int
    frame_interval_ms: float
    series_seed: int


@dataclass
class _Series:
    seed: int
    fam: Family
    view: str
    heart: HeartModel
    grid: Grid
    tissues: Tissues
    scanner: Scanner
    body_labels: np.ndarray
    wrapped: np.ndarray | None  # clean intensity folded in from outside the phase FOV
    air: np.ndarray | None  # background some scanners set to zero

    @classmethod
    def draw(cls, seed, view, si_target, shape, fam: Family) -> _Series:
        rng = family_rng(fam, seed)
        view = view if view is not None else ("4CH" if rng.random() < 0.7 else "2CH")
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS} or None, got {view!r}")
        si = float(rng.uniform(*SI_RANGE)) if si_target is None else float(si_target)
        heart = HeartModel.draw(rng, view, si, fam)
        ed = heart.state(0.0)
        centre = heart.origin + 0.3 * heart.length_mm * heart.axis
        body = build_body(rng, ed.outline, fam.p_arms)
        # the field of view is set to take in the chest: the body outline is the widest polygon
        body_mm = max(float(np.ptp(poly, axis=0).max()) for _, poly in body)
        grid = draw_grid(rng, centre, shape, body_mm, fam)
        empty = np.zeros(grid.shape, dtype=np.uint8)
        body_labels = paint_labels(body, grid.body_to_px, empty)
        tissues = Tissues.draw(rng, grid.shape, fam)
        scanner = draw_scanner(rng, grid, grid.body_to_px(centre[None])[0], fam)
        # without phase oversampling, whatever lies beyond the phase FOV folds back in
        wrapped = _wrap_around(body, grid, tissues) if rng.random() < 0.5 else None
        air = None
        if rng.random() < 0.15:  # some scanners zero the background outside the body
            air = ndimage.binary_erosion(body_labels == lab.AIR, iterations=3)
        return cls(int(seed), fam, view, heart, grid, tissues, scanner, body_labels, wrapped, air)

    def frame(self, rng, c: float, mitral_open: float, index: int) -> PhantomFrame:
        state = self.heart.state(c, mitral_open)
        to_px, shape = self.grid.body_to_px, self.grid.shape
        cavity_px = to_px(state.cavity)
        lv = mask_of(cavity_px, shape)
        labels = paint_labels(state.under, to_px, self.body_labels)
        labels[lv] = lab.LV_BLOOD
        # papillary muscles and trabeculae only ever cover cavity pixels: the compact border
        # (and so the truth) stays the cavity polygon's
        labels = np.where(lv, paint_labels(state.inside, to_px, labels), labels)
        labels = paint_labels(state.over, to_px, labels)
        clean = self.tissues.intensities(labels)
        blood = labels == lab.LV_BLOOD
        flow = flow_field(cavity_px, lv, self.tissues.jet, 0.35 + 0.65 * mitral_open, c)
        clean[blood] *= flow[blood]
        if self.wrapped is not None:
            clean += self.wrapped
        pixels = acquire(rng, clean, MOVING[labels], self.scanner, self.grid)
        if self.air is not None:
            pixels[self.air & (self.wrapped is None or self.wrapped == 0)] = 0
        masks = {
            "lv": lv,
            "myo": labels == lab.LV_MYO,
            "la": mask_of(to_px(state.la), shape) & ~lv,
            "rv": labels == lab.RV_BLOOD,
            "ra": labels == lab.RA_BLOOD,
        }
        landmarks, m = cavity_landmarks(cavity_px, self.grid.spacing)
        return PhantomFrame(
            pixels=pixels,
            spacing=self.grid.spacing,
            landmarks=landmarks,
            si=m.si,
            length_mm=m.length_mm,
            width_mm=m.width_mm,
            view=self.view,
            masks=masks,
            lv_contour=[(float(x), float(y)) for x, y in cavity_px],
            seed=self.seed,
            frame_index=index,
            contraction=float(c),
            family=self.fam.name,
            tissue_labels=labels,
        )


def _wrap_around(body: list, grid: Grid, tissues: Tissues) -> np.ndarray | None:
    """Clean intensity of the body parts beyond the phase-encode FOV, folded onto the image."""
    axis = grid.phase_axis
    n = grid.shape[axis]
    pad = n // 2
    shift = np.array([pad, 0.0]) if axis == 1 else np.array([0.0, pad])  # (x, y) pixels
    to_ext = Affine(grid.body_to_px.matrix, grid.body_to_px.offset + shift)
    ext_shape = list(grid.shape)
    ext_shape[axis] += 2 * pad
    ext = paint_labels(body, to_ext, np.zeros(ext_shape, dtype=np.uint8))
    ext = np.moveaxis(ext, axis, 0)
    folded = np.zeros_like(np.moveaxis(np.zeros(grid.shape, np.uint8), axis, 0))
    folded[n - pad :] = ext[:pad]  # beyond one edge shows up at the other
    folded[: ext.shape[0] - pad - n] = ext[pad + n :]
    folded = np.moveaxis(folded, 0, axis)
    if not folded.any():
        return None
    return tissues.intensities(np.ascontiguousarray(folded))


def generate_frame(
    seed: int,
    *,
    view: str | None = None,
    si_target: float | None = None,
    shape: tuple[int, int] | None = None,
    family: FamilyName = "base",
) -> PhantomFrame:
    """One end-diastolic phantom frame, deterministic for a seed and family.

    view: "4CH", "2CH" or None (random); si_target: the ED SI to aim for (reached within about
    0.01; the frame's `si` is the exact value), None draws one from 0.42-0.84; shape: (rows,
    cols), None draws a realistic matrix (the family's range, often not square); family:
    "base" (the default) or "shifted" (a stand-in for a new scanner, core.phantom.family).
    """
    fam = _family(family)
    series = _Series.draw(seed, view, si_target, shape, fam)
    rng = family_rng(fam, seed, 0)
    return series.frame(rng, 0.0, float(rng.uniform(0.0, 0.2)), 0)


def contraction_curve(phase: np.ndarray, es_phase: float) -> np.ndarray:
    """Contraction (0 = ED, 1 = ES) over a cycle: ejection, filling, diastasis, atrial kick."""
    knots_x = [0.0, es_phase, es_phase + 0.16, 0.78, 0.88, 1.0]
    knots_y = [0.0, 1.0, 0.35, 0.22, 0.18, 0.0]
    phase = np.mod(phase, 1.0)
    lin = np.interp(phase, knots_x, knots_y)
    up = phase <= es_phase
    # a cosine ramp through ejection: slow start and end, as a volume curve
    lin[up] = 0.5 * (1.0 - np.cos(np.pi * phase[up] / es_phase))
    return lin


def generate_cine(
    seed: int,
    *,
    n_frames: int = 20,
    view: str | None = None,
    shape: tuple[int, int] | None = None,
    family: FamilyName = "base",
) -> PhantomCine:
    """A cine of one phantom series through one cycle; ED is a random frame, not always 0."""
    if n_frames < 2:
        raise ValueError("a cine needs at least 2 frames")
    fam = _family(family)
    series = _Series.draw(seed, view, None, shape, fam)
    rng = family_rng(fam, seed, 1)
    ed = int(rng.integers(0, n_frames))
    es_offset = int(np.clip(round(n_frames * rng.uniform(0.3, 0.42)), 1, n_frames - 1))
    phases = np.mod(np.arange(n_frames) - ed, n_frames) / n_frames
    c = contraction_curve(phases, es_offset / n_frames)
    filling = (phases > es_offset / n_frames + 0.04) & (phases < 0.95)
    frames = [
        series.frame(family_rng(fam, seed, 2, k), float(c[k]), float(filling[k]), k)
        for k in range(n_frames)
    ]
    interval_ms = float(rng.uniform(700.0, 1200.0)) / n_frames
    return PhantomCine(frames, ed, (ed + es_offset) % n_frames, interval_ms, int(seed))


def _family(name: str | Family) -> Family:
    return name if isinstance(name, Family) else family(name)
