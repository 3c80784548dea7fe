"""Geometry-preserving model input: isotropic mm grids as affine maps, warping, intensity scale.

Every model input is a square grid of `size` pixels sampled from the original frame through a
3x3 matrix M that maps an input pixel (u, v, 1) to an original pixel (x, y, 1). M is a
similarity in mm space (isotropic scale, rotation, flip, shift), so lengths keep their ratios and
the SI of landmarks mapped through it is unchanged; anisotropic pixel spacing of the original is
undone by M, never introduced.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from core.geometry import Landmarks, Spacing


def grid_matrix(center_xy, spacing: Spacing, mm_per_px: float, size: int) -> np.ndarray:
    """M for a square input of `size` px at `mm_per_px`, centred on original pixel center_xy."""
    half = (size - 1) / 2.0
    sx, sy = mm_per_px / spacing.col_mm, mm_per_px / spacing.row_mm
    return np.array(
        [[sx, 0.0, center_xy[0] - half * sx], [0.0, sy, center_xy[1] - half * sy], [0, 0, 1.0]]
    )


def whole_frame_matrix(shape, spacing: Spacing, size: int) -> np.ndarray:
    """M for the whole frame padded to a square in mm (the coarse, localising pass)."""
    rows, cols = shape
    fov_mm = max(rows * spacing.row_mm, cols * spacing.col_mm)
    return grid_matrix(((cols - 1) / 2.0, (rows - 1) / 2.0), spacing, fov_mm / size, size)


def similarity_matrix(
    size: int, *, angle_rad=0.0, scale=1.0, flip=False, shift_px=(0.0, 0.0)
) -> np.ndarray:
    """A map of input pixels onto themselves: rotate, flip, scale about the centre, then shift.

    Used as M_aug in M @ M_aug: the augmented input pixel p samples where the plain input pixel
    M_aug p lies, so points move by inv(M_aug).
    """
    c = (size - 1) / 2.0
    cos, sin = math.cos(angle_rad) / scale, math.sin(angle_rad) / scale
    f = -1.0 if flip else 1.0
    a = np.array([[cos * f, -sin, 0.0], [sin * f, cos, 0.0], [0, 0, 1.0]])
    to_c = np.array([[1, 0, -c], [0, 1, -c], [0, 0, 1.0]])
    back = np.array([[1, 0, c + shift_px[0]], [0, 1, c + shift_px[1]], [0, 0, 1.0]])
    return back @ a @ to_c


def lv_centre(points: np.ndarray) -> np.ndarray:
    """Middle of the long axis (apex to hinge midpoint) of (..., 5, 2) landmarks.

    The fine field of view is centred here: the cavity reaches about half the axis length to
    either end, so the margin is the same at the apex and at the valve.
    """
    p = np.asarray(points, dtype=np.float64)
    return (p[..., 0, :] + (p[..., 1, :] + p[..., 2, :]) / 2.0) / 2.0


def long_axis(points: np.ndarray, scale_xy=(1.0, 1.0)) -> np.ndarray:
    """Hinge midpoint -> apex vector of (5, 2) points, x and y scaled by scale_xy."""
    p = np.asarray(points, dtype=np.float64)
    return (p[0] - (p[1] + p[2]) / 2.0) * np.asarray(scale_xy, dtype=np.float64)


def upright_angle(points: np.ndarray, scale_xy=(1.0, 1.0)) -> float:
    """Rotation for similarity_matrix that turns the long axis of (5, 2) points apex-up.

    scale_xy converts the points' x and y units to a common unit (mm per pixel of the frame
    for frame coordinates; 1 on an isotropic grid). On the input grid of
    grid_matrix(...) @ similarity_matrix(size, angle_rad=upright_angle(...)) the apex lies
    straight above the hinge midpoint, with or without a flip.
    """
    v = long_axis(points, scale_xy)
    return math.atan2(v[1], v[0]) + math.pi / 2.0


def upright_matrix(points, spacing: Spacing, mm_per_px: float, size: int) -> np.ndarray:
    """M of the fine pass: `size` px at `mm_per_px`, centred on the LV, long axis upright.

    points are landmarks in frame pixels (the localising pass's estimate at prediction time).
    """
    angle = upright_angle(points, (spacing.col_mm, spacing.row_mm))
    grid = grid_matrix(lv_centre(points), spacing, mm_per_px, size)
    return grid @ similarity_matrix(size, angle_rad=angle)


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 matrix to an (..., 2) array of (x, y) points."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:2, :2].T + matrix[:2, 2]


def canonical_pairs(points: np.ndarray) -> np.ndarray:
    """(..., 5, 2) landmarks with hinge A/B and W1/W2 named by side of the long axis.

    Which hinge is "A" and which width end is "W1" is a naming convention the pixels may not
    show, and a flip turns one side into the other. The model's convention: hinge A and W1
    lie on the +n side of the axis (n = the hinge-midpoint-to-apex direction turned +90
    degrees), as core.geometry names W1. The SI does not depend on the naming. The side is
    the sign of a cross product, the same in pixel and mm space, so this works on any grid.
    """
    p = np.array(points, dtype=np.float64, copy=True)
    apex, a, b = p[..., 0, :], p[..., 1, :], p[..., 2, :]
    m = (a + b) / 2.0
    u = apex - m

    def side(q):
        return u[..., 0] * (q[..., 1] - m[..., 1]) - u[..., 1] * (q[..., 0] - m[..., 0])

    for i, j in ((1, 2), (3, 4)):
        swap = side(p[..., i, :]) < side(p[..., j, :])
        first, second = p[..., i, :].copy(), p[..., j, :].copy()
        p[..., i, :] = np.where(swap[..., None], second, first)
        p[..., j, :] = np.where(swap[..., None], first, second)
    return p


def landmarks_array(lm: Landmarks) -> np.ndarray:
    """(5, 2) array of (x, y) in LANDMARK_NAMES order."""
    return np.array(lm.points(), dtype=np.float64)


def array_landmarks(points: np.ndarray) -> Landmarks:
    """Landmarks from a (5, 2) array in LANDMARK_NAMES order."""
    p = [(float(x), float(y)) for x, y in np.asarray(points, dtype=np.float64)]
    return Landmarks(*p)


def intensity_scale(pixels: np.ndarray) -> float:
    """Divisor that puts the bright blood pools near 1: the 99.5th percentile of the frame."""
    value = float(np.percentile(pixels, 99.5))
    return value if value > 0 else max(float(pixels.max()), 1.0)


def warp(images: torch.Tensor, matrices: torch.Tensor, size: int) -> torch.Tensor:
    """Sample (B,1,H,W) images on (B,3,3) grid matrices into (B,1,size,size), bilinear, zero pad.

    Pixel centres sit on integers (align_corners=True); where the grid is coarser than the
    source, the source is blurred first so fine texture does not alias into the input.
    """
    b, _, h, w = images.shape
    m = matrices.to(images.device, torch.float32)
    step = torch.linalg.vector_norm(m[:, :2, :2], dim=1).amax().item()  # source px per input px
    if step > 1.5:
        images = blur(images, 0.45 * step)
    lin = torch.arange(size, device=images.device, dtype=torch.float32)
    v, u = torch.meshgrid(lin, lin, indexing="ij")
    ones = torch.ones_like(u)
    uv1 = torch.stack([u, v, ones], dim=-1).reshape(1, -1, 3)  # (1, S*S, 3)
    xy = uv1 @ m[:, :2, :].transpose(1, 2)  # (B, S*S, 2)
    norm = torch.tensor([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], device=images.device)
    grid = (xy * norm - 1.0).reshape(b, size, size, 2)
    return F.grid_sample(images.float(), grid, mode="bilinear", align_corners=True)


def blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (B,C,H,W) images, sigma in pixels, edges replicated."""
    radius = max(1, math.ceil(2.5 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32, device=images.device)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    k = (k / k.sum()).to(images.dtype)
    c = images.shape[1]
    out = F.conv2d(
        F.pad(images, (radius, radius, 0, 0), mode="replicate"),
        k.view(1, 1, 1, -1).expand(c, 1, 1, -1),
        groups=c,
    )
    return F.conv2d(
        F.pad(out, (0, 0, radius, radius), mode="replicate"),
        k.view(1, 1, -1, 1).expand(c, 1, -1, 1),
        groups=c,
    )


def frame_tensor(pixels: np.ndarray) -> torch.Tensor:
    """(1,1,H,W) float tensor of a frame, scaled so blood is near 1."""
    arr = np.asarray(pixels, dtype=np.float32)
    if arr.ndim == 3:  # colour PNG: luminance is what an MR frame holds
        arr = arr[..., :3].mean(axis=-1)
    return torch.from_numpy(arr / intensity_scale(arr))[None, None]
