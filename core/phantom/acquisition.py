"""How the phantom is imaged: field of view, matrix, spacing, pose, and the scanner's artefacts.

Artefacts follow balanced SSFP cine: coil bias field, off-resonance banding, ghosting along the
phase-encode direction, k-space truncation (ringing, partial volume), blur, Rician noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import fft as sfft
from scipy import ndimage

from core.geometry import Spacing
from core.phantom.shapes import Affine, rotation


@dataclass(frozen=True)
class Grid:
    """The image grid and where the body sits on it."""

    shape: tuple[int, int]  # (rows, cols)
    spacing: Spacing
    body_to_px: Affine
    phase_axis: int  # 0: phase encoding along rows (ghosts move up/down), 1: along columns


def draw_grid(
    rng: np.random.Generator,
    heart_centre: np.ndarray,
    shape: tuple[int, int] | None,
    body_mm: float = 360.0,
) -> Grid:
    """FOV 280-440 mm sized to the chest (body_mm across, with some of it cut off or some air
    to spare), pixels ~1.3-1.95 mm (sometimes anisotropic), random pose."""
    fov_mm = float(np.clip(body_mm * rng.uniform(0.8, 1.15), 280.0, 440.0))
    if shape is None:
        col_mm = rng.uniform(1.3, 1.95)
        cols = int(np.clip(round(fov_mm / col_mm), 156, 256))
        rows = int(np.clip(round(cols * rng.uniform(0.72, 1.0)), 156, 256))  # rectangular FOV
        if rng.random() < 0.3:
            rows, cols = cols, rows
        col_mm = fov_mm / max(rows, cols)
    else:
        rows, cols = (int(v) for v in shape)
        col_mm = fov_mm / max(rows, cols)
    # Anisotropic pixels in some: the longer side keeps the drawn field of view.
    other_mm = col_mm * (rng.uniform(0.88, 1.12) if rng.random() < 0.25 else 1.0)
    other_mm = min(other_mm, fov_mm / min(rows, cols))  # nor may the shorter side exceed it
    row_mm, col_mm = (col_mm, other_mm) if rows >= cols else (other_mm, col_mm)
    # Rounded as DICOM's decimal strings hold them, so files carry the exact truth spacing.
    spacing = Spacing(round(float(row_mm), 6), round(float(col_mm), 6))
    angle = rng.uniform(-0.6, 0.6) if rng.random() < 0.75 else rng.uniform(0.0, 2.0 * np.pi)
    matrix = rotation(angle)
    if rng.random() < 0.3:
        matrix = matrix @ np.diag([-1.0, 1.0])  # mirrored display
    extent = np.array([cols * col_mm, rows * row_mm])
    shift_mm = rng.uniform(-0.08, 0.08, 2) * extent
    to_scene = Affine(matrix, shift_mm - matrix @ heart_centre)
    to_px = Affine(np.diag([1.0 / col_mm, 1.0 / row_mm]), np.array([cols - 1, rows - 1]) / 2.0)
    phase_axis = 0 if rows <= cols else 1  # the shorter side is usually phase encoded
    return Grid((rows, cols), spacing, to_scene.then(to_px), phase_axis)


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Zero-mean, unit-variance smooth random field with about `cells` blobs across the image."""
    rows, cols = shape
    coarse = rng.standard_normal((max(2, cells * rows // max(rows, cols)) + 2, cells + 2))
    img = Image.fromarray(coarse.astype(np.float32), mode="F")
    field = np.asarray(img.resize((cols, rows), Image.Resampling.BICUBIC), dtype=np.float32)
    field = field - field.mean()
    return field / max(float(field.std()), 1e-6)


@dataclass(frozen=True)
class Scanner:
    """Series-wide acquisition settings (one cine shares them); noise is per frame."""

    bias: np.ndarray  # multiplicative coil sensitivity
    banding: np.ndarray | None  # multiplicative off-resonance bands
    noise_sigma: float  # relative to LV blood
    blur_px: float
    truncation: tuple[float, float] | None  # k-space kept (rows, cols): ringing, or None
    ghost_amp: float
    ghost_copies: int
    scale: float  # LV blood value in stored units


def draw_scanner(rng: np.random.Generator, grid: Grid, heart_px: np.ndarray) -> Scanner:
    """Random bias field, banding, noise, k-space truncation, blur, ghosting, stored scale."""
    rows, cols = grid.shape
    # Surface coils: intensity falls off over the chest, gently (~10-25 %) across the heart.
    bias = np.exp(rng.uniform(0.04, 0.12) * smooth_field(rng, grid.shape, 1))
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float32)
    tilt = rng.normal(0.0, 0.15, 2) / max(rows, cols)
    bias *= 1.0 + tilt[0] * (xx - heart_px[0]) + tilt[1] * (yy - heart_px[1])
    bias = np.clip(bias, 0.25, None)
    bias /= float(
        bias[int(np.clip(heart_px[1], 0, rows - 1)), int(np.clip(heart_px[0], 0, cols - 1))]
    )
    banding = _banding(rng, xx, yy, heart_px, max(rows, cols)) if rng.random() < 0.5 else None
    return Scanner(
        bias=bias.astype(np.float32),
        banding=banding,
        noise_sigma=float(rng.uniform(0.012, 0.07)),
        blur_px=float(rng.uniform(0.0, 0.8)),
        truncation=_truncation(rng, grid.phase_axis),  # MR images are always band-limited
        ghost_amp=float(rng.uniform(0.02, 0.12)) if rng.random() < 0.6 else 0.0,
        ghost_copies=int(rng.integers(1, 4)),
        scale=float(rng.uniform(200.0, 3000.0)),
    )


def _banding(rng, xx, yy, heart_px, size) -> np.ndarray:
    """Dark SSFP bands where off-resonance reaches odd multiples of pi, away from the heart."""
    r2 = ((xx - heart_px[0]) ** 2 + (yy - heart_px[1]) ** 2) / float(size) ** 2
    first = rng.uniform(0.3, 0.65)  # radius of the first band, as a fraction of the image
    grad = rng.normal(0.0, 0.4, 2)
    phase = 0.5 * r2 / first**2 + grad[0] * (xx - heart_px[0]) / size
    phase = phase + grad[1] * (yy - heart_px[1]) / size
    dist = np.abs(np.mod(phase, 1.0) - 0.5)
    width = rng.uniform(0.015, 0.05)
    return (1.0 - rng.uniform(0.5, 0.95) * np.exp(-((dist / width) ** 2))).astype(np.float32)


def acquire(
    rng: np.random.Generator, clean: np.ndarray, moving: np.ndarray, scanner: Scanner, grid: Grid
) -> np.ndarray:
    """Clean relative intensities -> stored uint16 pixels with this scanner's artefacts.

    `moving` marks what moves with the heart beat: it ghosts along the phase-encode direction.
    """
    img = clean * scanner.bias
    if scanner.banding is not None:
        img = img * scanner.banding
    if scanner.ghost_amp > 0.0:
        n = grid.shape[grid.phase_axis]
        source = img * moving
        for k in range(1, scanner.ghost_copies + 1):
            shift = round(k * n / (scanner.ghost_copies + 1)) + int(rng.integers(-3, 4))
            img = img + (scanner.ghost_amp / k) * rng.uniform(0.6, 1.0) * np.roll(
                source, shift, axis=grid.phase_axis
            )
    if scanner.truncation is not None:
        img = _truncate_kspace(img, scanner.truncation)
    if scanner.blur_px > 0.2:
        img = ndimage.gaussian_filter(img, scanner.blur_px, mode="nearest")
    sigma = scanner.noise_sigma
    real = img + sigma * rng.standard_normal(img.shape, dtype=np.float32)
    imag = sigma * rng.standard_normal(img.shape, dtype=np.float32)
    magnitude = np.sqrt(real * real + imag * imag)  # Rician: the magnitude of complex noise
    return np.clip(np.rint(magnitude * scanner.scale), 0, 65535).astype(np.uint16)


def _truncation(rng: np.random.Generator, phase_axis: int) -> tuple[float, float]:
    """Fractions of k-space acquired: fewer phase-encode lines than readout samples."""
    keep = [rng.uniform(0.7, 1.0), rng.uniform(0.7, 1.0)]
    keep[phase_axis] = rng.uniform(0.5, 0.9)
    return keep[0], keep[1]


def _truncate_kspace(img: np.ndarray, keep: tuple[float, float]) -> np.ndarray:
    """Acquired resolution below the matrix: Gibbs ringing and partial volume at edges.

    The image is mirrored at its borders first: a body cut by the field of view would otherwise
    ring along the image edges (readout oversampling spares real images that).
    """
    pad = 12
    out = _band_limit(np.pad(img, pad, mode="reflect"), keep)
    return out[pad:-pad, pad:-pad]


def _band_limit(img: np.ndarray, keep: tuple[float, float]) -> np.ndarray:
    """Zero k-space outside the central keep[0] x keep[1] fraction (real FFT: half the work)."""
    rows, cols = img.shape
    k = sfft.rfft2(img)
    row_freq = np.abs(sfft.fftfreq(rows))[:, None]
    col_freq = sfft.rfftfreq(cols)[None, :]
    k[(row_freq > keep[0] / 2) | (col_freq > keep[1] / 2)] = 0
    return np.abs(sfft.irfft2(k, s=(rows, cols))).astype(np.float32)
