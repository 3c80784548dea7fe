"""Augmentation that keeps the SI: similarity transforms with landmarks, and intensity changes.

Geometry: rotation over the full circle (whole frames) or about the upright pose (the fine
pass, see sample_batch), flips, isotropic scale and translation, all applied as
one similarity matrix per image (never anisotropic scaling or shear, which would change the
SI). Intensity: brightness, contrast, gamma, a smooth multiplicative bias field, blur, noise.

A batch is augmented with tensor operations, not a loop over images: the per-image random
values come from a torch.Generator on the host (B×3×3 matrices and a few numbers per image,
copied to the device once), the pixels are warped by one batched grid_sample on whichever
device holds them, and the noise is drawn there (noise_gen, a generator on that device).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from model.config import AugmentConfig
from model.preprocess import (
    blur,
    canonical_pairs,
    map_points,
    similarity_matrices,
    to_device,
    upright_angle,
    warp,
)


def _uniform(gen: torch.Generator, lo: float, hi: float, shape) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(shape, generator=gen, dtype=torch.float64)


def random_similarities(
    n: int,
    size: int,
    mm_per_px: float,
    cfg: AugmentConfig,
    gen: torch.Generator,
    base_angles: torch.Tensor | None = None,
) -> torch.Tensor:
    """(n,3,3) random input-to-input similarity matrices (see preprocess.similarity_matrices).

    Without base_angles the rotation is anywhere on cfg.rotation_deg (the full circle by
    default); with them ((n,) radians), image k turns to base_angles[k] (its upright pose)
    give or take cfg.upright_jitter_deg. gen is a host (CPU) generator.
    """
    if base_angles is None:
        angle = torch.deg2rad(_uniform(gen, -cfg.rotation_deg, cfg.rotation_deg, (n,)))
    else:
        jitter = cfg.upright_jitter_deg
        angle = base_angles.to(torch.float64) + torch.deg2rad(_uniform(gen, -jitter, jitter, (n,)))
    log_lo, log_hi = math.log(cfg.scale_range[0]), math.log(cfg.scale_range[1])
    scale = torch.exp(_uniform(gen, log_lo, log_hi, (n,)))
    flip = (torch.rand(n, generator=gen) < 0.5) & cfg.flip
    shift = _uniform(gen, -cfg.shift_mm, cfg.shift_mm, (n, 2)) / mm_per_px
    return similarity_matrices(size, angle, scale, flip, shift)


def crop_matrix(src_size: int, size: int) -> np.ndarray:
    """Input pixel -> pixel of a larger, concentric source grid."""
    off = (src_size - size) / 2.0
    return np.array([[1.0, 0, off], [0, 1.0, off], [0, 0, 1.0]])


def batch_matrices(
    src_points: torch.Tensor,
    src_size: int,
    size: int,
    mm_per_px: float,
    cfg: AugmentConfig | None,
    gen: torch.Generator | None,
    *,
    upright: bool = False,
) -> torch.Tensor:
    """(B,3,3) float64 host matrices, input pixel -> cached source pixel, of one batch.

    The centre crop composed with a similarity: the upright turn (upright=True), random
    (cfg given) or both. sample_batch warps and maps points with exactly these.
    """
    pts = src_points.detach().cpu().to(torch.float64)
    b = pts.shape[0]
    angles = upright_angle(pts) if upright else None
    if cfg is not None:
        if gen is None:
            raise ValueError("augmentation needs a generator")
        sims = random_similarities(b, size, mm_per_px, cfg, gen, base_angles=angles)
    elif angles is not None:
        sims = similarity_matrices(size, angles)
    else:
        sims = torch.eye(3, dtype=torch.float64).expand(b, 3, 3)
    return torch.from_numpy(crop_matrix(src_size, size)) @ sims


def sample_batch(
    src: torch.Tensor,
    src_points: torch.Tensor,
    size: int,
    mm_per_px: float,
    cfg: AugmentConfig | None,
    gen: torch.Generator | None = None,
    *,
    upright: bool = False,
    noise_gen: torch.Generator | None = None,
):
    """Inputs (B,1,size,size) on src's device and landmarks (B,5,2) on the host, cut from
    cached sources, augmented (cfg given) or not.

    upright=True turns each image so its long axis points up (the fine pass, which the
    localising pass orients); augmentation then rotates only by cfg.upright_jitter_deg.
    gen: host generator of the random geometry and intensity values (unused without cfg);
    noise_gen: generator on src's device for the pixel noise (default gen: CPU only).
    """
    mats = batch_matrices(src_points, src.shape[-1], size, mm_per_px, cfg, gen, upright=upright)
    images = warp(src.float(), mats, size)
    pts = map_points(torch.linalg.inv(mats), src_points.detach().cpu().to(torch.float64))
    if cfg is not None and cfg.intensity:
        assert gen is not None  # batch_matrices has checked it
        images = augment_intensity(images, gen, noise_gen)
    if pts.shape[-2] == 5:  # landmark sets (tests may move single points)
        pts = canonical_pairs(pts)
    return images, pts.float()


def augment_intensity(
    images: torch.Tensor, gen: torch.Generator, noise_gen: torch.Generator | None = None
) -> torch.Tensor:
    """Random gamma, contrast, brightness, bias field, blur (30 % of images) and noise per image.

    gen (host) draws the per-image values, copied to the images' device in one piece;
    noise_gen (on the images' device; default gen) draws the noise.
    """
    b, _, h, w = images.shape
    dev = images.device
    lo = torch.tensor([-0.3, 0.8, -0.1, 0.0] + [-0.12] * 5, dtype=torch.float64)
    hi = torch.tensor([0.3, 1.2, 0.1, 0.05] + [0.12] * 5, dtype=torch.float64)
    values = to_device((lo + (hi - lo) * torch.rand((b, 9), generator=gen)).float(), dev)
    gamma, contrast, brightness, noise_sd = (values[:, k].view(b, 1, 1, 1) for k in range(4))
    x = images.clamp_min(0.0).pow_(torch.exp(gamma))  # gamma 0.74..1.35
    x.mul_(contrast).add_(brightness).mul_(_bias_field(values[:, 4:], h, w))
    blurred = torch.rand(b, generator=gen) < 0.3
    sigma = _uniform(gen, 0.5, 1.2, (b,))
    if bool(blurred.any()):  # only those images: a blur costs as much as the rest together
        chosen = blurred.nonzero()[:, 0]
        on_dev = to_device(chosen, dev)
        x[on_dev] = blur(x[on_dev], sigma[chosen])
    noise = torch.randn((b, 1, h, w), generator=noise_gen or gen, device=dev)
    return x.add_(noise.mul_(noise_sd))


def _bias_field(coef: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Smooth multiplicative field exp(quadratic in x, y) of (B,5) coefficients, ±30 % at most."""
    dev = coef.device
    y, x = torch.meshgrid(
        torch.linspace(-1, 1, h, device=dev), torch.linspace(-1, 1, w, device=dev), indexing="ij"
    )
    terms = torch.stack([x, y, x * y, x * x, y * y])  # (5, h, w)
    return torch.exp(torch.einsum("bk,khw->bhw", coef, terms))[:, None]
