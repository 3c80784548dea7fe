"""Geometry-preserving model input: isotropic mm grids as affine maps, warping, intensity scale.

Every model input is a square grid of `size` pixels sampled from the original frame through a
3x3 matrix M that maps an input pixel (u, v, 1) to an original pixel (x, y, 1). M is a
similarity in mm space (isotropic scale, rotation, flip, shift), so lengths keep their ratios and
the SI of landmarks mapped through it is unchanged; anisotropic pixel spacing of the original is
undone by M, never introduced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.geometry import Landmarks, Spacing


def pixel_sizes_mm(spacings) -> torch.Tensor:
    """(B, 2) pixel sizes (x = column, y = row) in mm of Spacings, for the batched functions."""
    return torch.tensor([[s.col_mm, s.row_mm] for s in spacings], dtype=torch.float64).reshape(
        -1, 2
    )


def _px_mm(spacing: Spacing) -> torch.Tensor:
    return pixel_sizes_mm([spacing])


def grid_matrices(centre_xy: torch.Tensor, px_mm: torch.Tensor, mm_per_px, size: int):
    """(B,3,3) M for square inputs of `size` px at `mm_per_px`, centred on (B,2) frame pixels.

    px_mm: (B,2) frame pixel size (x, y) in mm; mm_per_px a number or a (B,) tensor.
    """
    centre = centre_xy.to(torch.float64)
    half = (size - 1) / 2.0
    step = torch.as_tensor(mm_per_px, dtype=torch.float64, device=centre.device)
    s = step.reshape(-1, 1) / px_mm.to(centre.device, torch.float64)  # (B, 2) frame px per px
    m = torch.zeros((centre.shape[0], 3, 3), dtype=torch.float64, device=centre.device)
    m[:, 0, 0], m[:, 1, 1], m[:, 2, 2] = s[:, 0], s[:, 1], 1.0
    m[:, :2, 2] = centre - half * s
    return m


def grid_matrix(center_xy, spacing: Spacing, mm_per_px: float, size: int) -> np.ndarray:
    """M for a square input of `size` px at `mm_per_px`, centred on original pixel center_xy."""
    centre = torch.from_numpy(np.asarray(center_xy, dtype=np.float64)).reshape(1, 2)
    return grid_matrices(centre, _px_mm(spacing), mm_per_px, size)[0].numpy()


def whole_frame_matrices(shapes: torch.Tensor, px_mm: torch.Tensor, size: int) -> torch.Tensor:
    """(B,3,3) M of whole frames (B,2 rows, cols) padded to squares in mm (the localising pass)."""
    rc = shapes.to(px_mm.device, torch.float64)
    rows, cols = rc[:, 0], rc[:, 1]
    px = px_mm.to(torch.float64)
    fov_mm = torch.maximum(rows * px[:, 1], cols * px[:, 0])
    centre = torch.stack([(cols - 1) / 2.0, (rows - 1) / 2.0], dim=-1)
    return grid_matrices(centre, px, fov_mm / size, size)


def whole_frame_matrix(shape, spacing: Spacing, size: int) -> np.ndarray:
    """M for the whole frame padded to a square in mm (the coarse, localising pass)."""
    shapes = torch.tensor([tuple(shape)[:2]], dtype=torch.float64).reshape(1, 2)
    return whole_frame_matrices(shapes, _px_mm(spacing), size)[0].numpy()


def similarity_matrices(size: int, angle_rad, scale=1.0, flip=False, shift_px=0.0):
    """(B,3,3) maps of input pixels onto themselves: rotate, flip, scale about the centre, shift.

    angle_rad is a (B,) tensor; scale (B,) or a number, flip (B,) bool or a bool, shift_px
    (B,2) or a number. Used as M_aug in M @ M_aug: the augmented input pixel p samples where the
    plain input pixel M_aug p lies, so points move by inv(M_aug).
    """
    angle = torch.as_tensor(angle_rad, dtype=torch.float64)
    dev, b = angle.device, angle.shape[0]

    def per_image(v, shape):
        return torch.as_tensor(v, device=dev).to(torch.float64).expand(shape)

    s = per_image(scale, (b,))
    f = torch.where(per_image(flip, (b,)) > 0, -1.0, 1.0).to(torch.float64)
    shift = per_image(shift_px, (b, 2))
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    c = (size - 1) / 2.0
    m = torch.zeros((b, 3, 3), dtype=torch.float64, device=dev)
    m[:, 0, 0], m[:, 0, 1] = cos * f, -sin
    m[:, 1, 0], m[:, 1, 1] = sin * f, cos
    m[:, 2, 2] = 1.0
    # back @ a @ to_c: about the centre c, then shifted.
    m[:, :2, 2] = c + shift - c * (m[:, :2, 0] + m[:, :2, 1])
    return m


def similarity_matrix(
    size: int, *, angle_rad=0.0, scale=1.0, flip=False, shift_px=(0.0, 0.0)
) -> np.ndarray:
    """One similarity_matrices matrix: rotate, flip, scale about the centre, then shift."""
    shift = torch.from_numpy(np.asarray(shift_px, dtype=np.float64)).reshape(1, 2)
    angle = torch.tensor([float(angle_rad)], dtype=torch.float64)
    return similarity_matrices(size, angle, float(scale), bool(flip), shift)[0].numpy()


def _points(points):
    """Tensors as they are (batched callers), anything else as a float64 array."""
    return points if isinstance(points, torch.Tensor) else np.asarray(points, dtype=np.float64)


def lv_centre(points):
    """Middle of the long axis (apex to hinge midpoint) of (..., 5, 2) landmarks.

    The fine field of view is centred here: the cavity reaches about half the axis length to
    either end, so the margin is the same at the apex and at the valve. Arrays or tensors.
    """
    p = _points(points)
    return (p[..., 0, :] + (p[..., 1, :] + p[..., 2, :]) / 2.0) / 2.0


def long_axis(points, scale_xy=(1.0, 1.0)):
    """Hinge midpoint -> apex vector of (..., 5, 2) points, x and y scaled by scale_xy."""
    p = _points(points)
    if isinstance(p, torch.Tensor):
        return (p[..., 0, :] - (p[..., 1, :] + p[..., 2, :]) / 2.0) * torch.as_tensor(
            scale_xy, dtype=p.dtype, device=p.device
        )
    return (p[..., 0, :] - (p[..., 1, :] + p[..., 2, :]) / 2.0) * np.asarray(scale_xy, np.float64)


def upright_angle(points, scale_xy=(1.0, 1.0)):
    """Rotation for similarity_matrix that turns the long axis of (..., 5, 2) points apex-up.

    scale_xy converts the points' x and y units to a common unit (mm per pixel of the frame
    for frame coordinates; 1 on an isotropic grid). On the input grid of
    grid_matrix(...) @ similarity_matrix(size, angle_rad=upright_angle(...)) the apex lies
    straight above the hinge midpoint, with or without a flip. A float for one (5, 2) array,
    a (...,) tensor for tensors.
    """
    v = long_axis(points, scale_xy)
    if isinstance(v, torch.Tensor):
        return torch.atan2(v[..., 1], v[..., 0]) + math.pi / 2.0
    return math.atan2(v[1], v[0]) + math.pi / 2.0


def upright_matrices(points: torch.Tensor, px_mm: torch.Tensor, mm_per_px: float, size: int):
    """(B,3,3) M of the fine pass for (B,5,2) landmarks in frame pixels (see upright_matrix)."""
    p = points.to(torch.float64)
    px = px_mm.to(p.device, torch.float64)
    grid = grid_matrices(lv_centre(p), px, mm_per_px, size)
    return grid @ similarity_matrices(size, upright_angle(p, px))


def upright_matrix(points, spacing: Spacing, mm_per_px: float, size: int) -> np.ndarray:
    """M of the fine pass: `size` px at `mm_per_px`, centred on the LV, long axis upright.

    points are landmarks in frame pixels (the localising pass's estimate at prediction time).
    """
    p = torch.from_numpy(np.asarray(points, dtype=np.float64))[None]
    return upright_matrices(p, _px_mm(spacing), mm_per_px, size)[0].numpy()


def map_points(matrix, points):
    """Apply 3x3 matrices to (..., 2) points: one array to an array, or (B,3,3) tensors to
    (B,K,2) tensors (each batch item by its own matrix)."""
    pts = _points(points)
    if isinstance(pts, torch.Tensor):
        m = matrix.to(pts.device, pts.dtype)
        return pts @ m[..., :2, :2].transpose(-1, -2) + m[..., None, :2, 2]
    return pts @ matrix[:2, :2].T + matrix[:2, 2]


def canonical_pairs(points):
    """(..., 5, 2) landmarks with hinge A/B and W1/W2 named by side of the long axis.

    Which hinge is "A" and which width end is "W1" is a naming convention the pixels may not
    show, and a flip turns one side into the other. The model's convention: hinge A and W1
    lie on the +n side of the axis (n = the hinge-midpoint-to-apex direction turned +90
    degrees), as core.geometry names W1. The SI does not depend on the naming. The side is
    the sign of a cross product, the same in pixel and mm space, so this works on any grid.
    Arrays give float64 arrays; tensors give tensors of their dtype.
    """
    is_tensor = isinstance(points, torch.Tensor)
    p = points.clone() if is_tensor else np.array(points, dtype=np.float64, copy=True)
    where = torch.where if is_tensor else np.where
    apex, a, b = p[..., 0, :], p[..., 1, :], p[..., 2, :]
    m = (a + b) / 2.0
    u = apex - m

    def side(q):
        return u[..., 0] * (q[..., 1] - m[..., 1]) - u[..., 1] * (q[..., 0] - m[..., 0])

    for i, j in ((1, 2), (3, 4)):
        swap = side(p[..., i, :]) < side(p[..., j, :])
        # where() returns new arrays, so the second assignment reads the pair as it was.
        first, second = p[..., i, :], p[..., j, :]
        new_i, new_j = where(swap[..., None], second, first), where(swap[..., None], first, second)
        p[..., i, :], p[..., j, :] = new_i, new_j
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


def warp(
    images: torch.Tensor, matrices: torch.Tensor, size: int, shapes: torch.Tensor | None = None
) -> torch.Tensor:
    """Sample (B,1,H,W) images on (B,3,3) grid matrices into (B,1,size,size), bilinear, zero pad.

    Pixel centres sit on integers (align_corners=True); where an image's grid is coarser than
    its source, that source is blurred first so fine texture does not alias into the input
    (each image by its own step: a batch gives what one image at a time gives). One batched
    affine_grid and grid_sample; matrices on the host cost no device synchronisation.
    shapes (B,2): rows and columns of each image at the top left of an edge-padded batch
    (FrameBatch); sampled beyond them, an image gives zeros as it does alone.
    """
    b, _, h, w = images.shape
    m64 = matrices.to(torch.float64)
    steps = torch.linalg.vector_norm(m64[:, :2, :2], dim=1).amax(dim=-1)  # source px per input px
    aliasing = steps > 1.5
    if bool(aliasing.any()):
        images = blur(images, torch.where(aliasing, 0.45 * steps, 0.0))
    if shapes is not None and bool((shapes != shapes.new_tensor([h, w])).any()):
        images = images * _inside(shapes, h, w, images.device)[:, None]
    # affine_grid works in [-1, 1] coordinates: input pixel -> [-1, 1] on both sides of M.
    to_norm = m64.new_tensor(
        [[2.0 / max(w - 1, 1), 0.0, -1.0], [0.0, 2.0 / max(h - 1, 1), -1.0], [0.0, 0.0, 1.0]]
    )
    half = (size - 1) / 2.0
    from_norm = m64.new_tensor([[half, 0.0, half], [0.0, half, half], [0.0, 0.0, 1.0]])
    theta = to_device((to_norm @ m64 @ from_norm)[:, :2, :].float(), images.device)
    grid = F.affine_grid(theta, [b, 1, size, size], align_corners=True)
    return F.grid_sample(images.float(), grid, mode="bilinear", align_corners=True)


def blur(images: torch.Tensor, sigma) -> torch.Tensor:
    """Separable Gaussian blur of (B,C,H,W) images, sigma in pixels, edges replicated.

    sigma is one number, or a (B,) tensor with one sigma per image (0 leaves that image as it
    is): the batch is blurred by one grouped convolution, each image as on its own.
    """
    b, c, h, w = images.shape
    sig = torch.as_tensor(sigma, dtype=torch.float64).detach().cpu().expand(b)
    radii = torch.where(sig > 0, torch.ceil(2.5 * sig).clamp_min(1), 0)
    radius = int(radii.max())
    if radius == 0:
        return images
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (x / sig.clamp_min(1e-12)[:, None]) ** 2)
    k = torch.where(x.abs() <= radii[:, None], k, 0.0)  # each image's own kernel width
    k = torch.where(sig[:, None] > 0, k, (x == 0).to(torch.float64))
    k = to_device((k / k.sum(dim=1, keepdim=True)).to(images.dtype), images.device)
    weight = k.repeat_interleave(c, dim=0)  # (B*C, 2r+1): one kernel per image and channel
    flat = images.reshape(1, b * c, h, w)
    out = F.conv2d(
        F.pad(flat, (radius, radius, 0, 0), mode="replicate"),
        weight.view(b * c, 1, 1, -1),
        groups=b * c,
    )
    out = F.conv2d(
        F.pad(out, (0, 0, radius, radius), mode="replicate"),
        weight.view(b * c, 1, -1, 1),
        groups=b * c,
    )
    return out.reshape(b, c, h, w)


def to_device(t: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """t on `device`; from the host to CUDA through pinned memory, so the copy does not wait."""
    dev = torch.device(device)
    if dev.type == "cuda" and t.device.type == "cpu":
        return t.pin_memory().to(dev, non_blocking=True)
    return t.to(dev)


def _luminance(pixels: np.ndarray) -> np.ndarray:
    arr = np.asarray(pixels, dtype=np.float32)
    if arr.ndim == 3:  # colour PNG: luminance is what an MR frame holds
        arr = arr[..., :3].mean(axis=-1)
    return arr


def frame_tensor(pixels: np.ndarray) -> torch.Tensor:
    """(1,1,H,W) float tensor of a frame, scaled so blood is near 1."""
    arr = _luminance(pixels)
    return torch.from_numpy(arr / intensity_scale(arr))[None, None]


def _inside(shapes: torch.Tensor, h: int, w: int, device) -> torch.Tensor:
    """(B,H,W) mask of the pixels of (B,2) frame shapes (rows, cols) inside an (H,W) grid."""
    rc = shapes.to(device)
    rows = torch.arange(h, device=device)[None, :, None] < rc[:, 0, None, None]
    cols = torch.arange(w, device=device)[None, None, :] < rc[:, 1, None, None]
    return rows & cols


def intensity_scales(frames: torch.Tensor, shapes: torch.Tensor | None = None) -> torch.Tensor:
    """intensity_scale of each of (B,H,W) frames at once, on their device: (B,).

    shapes (B,2): each frame's own rows and columns at the top left of the grid (the rest is
    padding and left out); the percentile is numpy's linear one, taken from the top k values.
    """
    b, h, w = frames.shape
    flat = frames.reshape(b, -1).float()
    if shapes is None:
        n = torch.full((b,), h * w, dtype=torch.float64)
    else:
        flat = torch.where(_inside(shapes, h, w, flat.device).reshape(b, -1), flat, -math.inf)
        n = shapes[:, 0].cpu() * shapes[:, 1].cpu()
    pos = 0.995 * (n - 1)
    lo = torch.floor(pos)
    # Rank from the top of the ascending index lo (0 = the largest value), and of lo + 1.
    rank = (n - 1 - lo).long()
    top = torch.topk(flat, int(rank.max()) + 1, dim=1).values  # padding (-inf) never gets in
    rank = rank.to(flat.device)[:, None]
    below = top.gather(1, rank)[:, 0]
    above = top.gather(1, (rank - 1).clamp_min(0))[:, 0]
    value = below + (above - below) * (pos - lo).to(flat.device, torch.float32)
    return torch.where(value > 0, value, top[:, 0].clamp_min(1.0))


@dataclass(frozen=True)
class FrameBatch:
    """Frames of any shapes as one tensor, scaled as frame_tensor does.

    pixels: (B,1,H,W) float32, each frame at the top left, its edge repeated to the largest
    rows and columns (so blurring treats its border as a frame alone does; warp_frames then
    zeroes the padding); shapes: (B,2) rows, cols of each frame, float64 on the host.
    """

    pixels: torch.Tensor
    shapes: torch.Tensor

    def __len__(self) -> int:
        return self.pixels.shape[0]


def frame_batch(pixels: list[np.ndarray], device: torch.device | str = "cpu") -> FrameBatch:
    """Frames stacked (padded to the largest), copied to the device at once, scaled there."""
    lum = [_luminance(p) for p in pixels]
    h, w = max(a.shape[0] for a in lum), max(a.shape[1] for a in lum)
    stack = np.stack(
        [np.pad(a, ((0, h - a.shape[0]), (0, w - a.shape[1])), mode="edge") for a in lum]
    )
    shapes = torch.tensor([a.shape for a in lum], dtype=torch.float64).reshape(-1, 2)
    frames = to_device(torch.from_numpy(stack), device)
    padded = bool((shapes != torch.tensor([h, w])).any())
    scales = intensity_scales(frames, shapes if padded else None)
    return FrameBatch((frames / scales[:, None, None])[:, None], shapes)


def warp_frames(frames: FrameBatch, matrices: torch.Tensor, size: int) -> torch.Tensor:
    """(B,1,size,size) inputs of a FrameBatch on (B,3,3) matrices: one batched warp, each
    frame sampled as on its own (zeros beyond its own edges)."""
    return warp(frames.pixels, matrices, size, shapes=frames.shapes)
