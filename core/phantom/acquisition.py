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
from core.phantom.family import BASE, Family
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
    fam: Family = BASE,
) -> Grid:
    """FOV 280-440 mm sized to the chest (body_mm across, with some of it cut off or some air
    to spare), the family's pixel size (sometimes anisotropic), matrix and pose."""
    fov_mm = float(np.clip(body_mm * rng.uniform(*fam.fov_per_chest), 280.0, 440.0))
    lo, hi = fam.matrix
    if shape is None:
        col_mm = rng.uniform(*fam.pixel_mm)
        cols = int(np.clip(round(fov_mm / col_mm), lo, hi))
        rows = int(np.clip(round(cols * rng.uniform(0.72, 1.0)), lo, hi))  # rectangular FOV
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
    extent = np.array([cols * col_mm, rows * row_mm])
    shift_mm = rng.uniform(-fam.offset, fam.offset, 2) * extent
    matrix = draw_pose(rng, fam)
    to_scene = Affine(matrix, shift_mm - matrix @ heart_centre)
    to_px = Affine(np.diag([1.0 / col_mm, 1.0 / row_mm]), np.array([cols - 1, rows - 1]) / 2.0)
    phase_axis = 0 if rows <= cols else 1  # the shorter side is usually phase encoded
    return Grid((rows, cols), spacing, to_scene.then(to_px), phase_axis)


def draw_pose(rng: np.random.Generator, fam: Family) -> np.ndarray:
    """The chest's orientation in the frame: scanner planning tilts the 4-chamber plane (a
    rotation within +-rotation_deg), some sites display it turned by a quarter or half turn,
    and left-right or up-down flipped."""
    angle = np.radians(rng.uniform(-fam.rotation_deg, fam.rotation_deg))
    if rng.random() < fam.p_quarter_turn:
        angle += 0.5 * np.pi * int(rng.integers(1, 4))
    matrix = rotation(angle)
    if rng.random() < fam.p_flip_lr:
        matrix = np.diag([-1.0, 1.0]) @ matrix
    if rng.random() < fam.p_flip_ud:
        matrix = np.diag([1.0, -1.0]) @ matrix
    return matrix


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
    gamma: float = 1.0  # contrast curve on the clean intensities
    g_map: np.ndarray | None = None  # parallel imaging: noise amplification per pixel
    noise_corr_px: float = 0.0  # noise correlation length (0: white)
    slice_mix: tuple[float, int] = (0.0, 0)  # thick slice: weight and offset (px) of neighbours


def draw_scanner(
    rng: np.random.Generator, grid: Grid, heart_px: np.ndarray, fam: Family = BASE
) -> Scanner:
    """Random bias and coil shading, banding, noise and its amplification, k-space truncation,
    blur, slice thickness, ghosting, contrast curve and stored scale, from the family's ranges."""
    rows, cols = grid.shape
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float32)
    bias = _bias(rng, grid, heart_px, fam, xx, yy)
    banding = _banding(rng, xx, yy, heart_px, max(rows, cols)) if rng.random() < 0.5 else None
    g_map = None
    if rng.random() < fam.p_parallel:
        g_map = _g_factor(rng, grid, rng.uniform(*fam.g_factor), yy if grid.phase_axis == 0 else xx)
    blend = rng.uniform(*fam.slice_blur)
    return Scanner(
        bias=bias.astype(np.float32),
        banding=banding,
        noise_sigma=float(rng.uniform(*fam.noise_sigma)),
        blur_px=float(rng.uniform(0.0, 0.8)),
        truncation=_truncation(rng, grid.phase_axis, fam),  # MR images are always band-limited
        ghost_amp=float(rng.uniform(0.02, 0.12)) if rng.random() < 0.6 else 0.0,
        ghost_copies=int(rng.integers(1, 4)),
        scale=float(rng.uniform(200.0, 3000.0)),
        gamma=float(rng.uniform(*fam.gamma)),
        g_map=g_map,
        noise_corr_px=float(rng.uniform(*fam.noise_corr_px)),
        slice_mix=(float(blend), int(rng.integers(1, 4))),
    )


def _bias(rng, grid: Grid, heart_px, fam: Family, xx, yy) -> np.ndarray:
    """Coil sensitivity: gentle over the heart (~10-25 %), and in some series a strong
    front-to-back shading from the anterior coil array (brighter toward the chest wall)."""
    rows, cols = grid.shape
    size = max(rows, cols)
    bias = np.exp(rng.uniform(0.04, 0.12) * smooth_field(rng, grid.shape, 1))
    tilt = rng.normal(0.0, 0.15, 2) / size
    bias *= 1.0 + tilt[0] * (xx - heart_px[0]) + tilt[1] * (yy - heart_px[1])
    if rng.random() < fam.p_coil:
        front = grid.body_to_px.matrix @ np.array([0.0, -1.0])  # body y points to the back
        front /= max(float(np.linalg.norm(front)), 1e-9)
        depth = ((xx - heart_px[0]) * front[0] + (yy - heart_px[1]) * front[1]) / size
        bias *= np.exp(rng.uniform(*fam.coil_strength) * 2.0 * depth)
    bias = np.clip(bias, 0.25, None)
    r = int(np.clip(heart_px[1], 0, rows - 1))
    c = int(np.clip(heart_px[0], 0, cols - 1))
    return bias / float(bias[r, c])


def _g_factor(rng, grid: Grid, peak: float, phase_coord: np.ndarray) -> np.ndarray:
    """Parallel-imaging noise amplification (SENSE-like, rate 2): highest where pixels half a
    field of view apart along the phase-encode direction fold onto each other, mid-frame."""
    n = grid.shape[grid.phase_axis]
    q = phase_coord / max(n - 1, 1)
    bump = np.sin(np.pi * q) ** 2
    wobble_field = np.clip(0.8 + 0.2 * smooth_field(rng, grid.shape, 3), 0.4, 1.2)
    return (1.0 + (peak - 1.0) * bump * wobble_field).astype(np.float32)


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
    img = clean if scanner.gamma == 1.0 else clean**scanner.gamma
    img = _thick_slice(img, scanner.slice_mix, grid.phase_axis)
    img = img * scanner.bias
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
    sigma = scanner.noise_sigma if scanner.g_map is None else scanner.noise_sigma * scanner.g_map
    real = img + sigma * _noise(rng, img.shape, scanner.noise_corr_px)
    imag = sigma * _noise(rng, img.shape, scanner.noise_corr_px)
    magnitude = np.sqrt(real * real + imag * imag)  # Rician: the magnitude of complex noise
    return np.clip(np.rint(magnitude * scanner.scale), 0, 65535).astype(np.uint16)


def _noise(rng: np.random.Generator, shape: tuple[int, int], corr_px: float) -> np.ndarray:
    """Unit Gaussian noise, white or (another scanner's reconstruction) spatially correlated."""
    noise = rng.standard_normal(shape, dtype=np.float32)
    if corr_px <= 0.0:
        return noise
    noise = ndimage.gaussian_filter(noise, corr_px, mode="wrap")
    return noise / max(float(noise.std()), 1e-6)


def _thick_slice(img: np.ndarray, mix: tuple[float, int], phase_axis: int) -> np.ndarray:
    """Partial volume of a thick slice: the anatomy just above and below the plane, a little
    displaced and blurred, averaged into the pixel."""
    weight, offset = mix
    if weight <= 0.0:
        return img
    near = ndimage.gaussian_filter(img, 1.2, mode="nearest")
    axis = 1 - phase_axis
    near = 0.5 * (np.roll(near, offset, axis=axis) + np.roll(near, -offset, axis=axis))
    return (1.0 - weight) * img + weight * near


def _truncation(rng: np.random.Generator, phase_axis: int, fam: Family) -> tuple[float, float]:
    """Fractions of k-space acquired: fewer phase-encode lines than readout samples."""
    keep = [rng.uniform(0.7, 1.0), rng.uniform(0.7, 1.0)]
    keep[phase_axis] = rng.uniform(*fam.phase_kspace)
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
