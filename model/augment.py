"""Augmentation that keeps the SI: similarity transforms with landmarks, and intensity changes.

Geometry: rotation over the full circle (whole frames) or about the upright pose (the fine
pass, see sample_batch), flips, isotropic scale and translation, all applied as
one similarity matrix per image (never anisotropic scaling or shear, which would change the
SI). Intensity: brightness, contrast, gamma, a smooth multiplicative bias field, blur, noise.
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
    similarity_matrix,
    upright_angle,
    warp,
)


def random_similarities(
    n: int,
    size: int,
    mm_per_px: float,
    cfg: AugmentConfig,
    rng: np.random.Generator,
    base_angles=None,
) -> list[np.ndarray]:
    """n random input-to-input similarity matrices (see preprocess.similarity_matrix).

    Without base_angles the rotation is anywhere on cfg.rotation_deg (the full circle by
    default); with them, image k turns to base_angles[k] (its upright pose) give or take
    cfg.upright_jitter_deg.
    """
    out = []
    for k in range(n):
        if base_angles is None:
            angle = math.radians(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg))
        else:
            jitter = cfg.upright_jitter_deg
            angle = base_angles[k] + math.radians(rng.uniform(-jitter, jitter))
        scale = math.exp(rng.uniform(math.log(cfg.scale_range[0]), math.log(cfg.scale_range[1])))
        flip = bool(cfg.flip and rng.random() < 0.5)
        shift = rng.uniform(-cfg.shift_mm, cfg.shift_mm, size=2) / mm_per_px
        out.append(similarity_matrix(size, angle_rad=angle, scale=scale, flip=flip, shift_px=shift))
    return out


def crop_matrix(src_size: int, size: int) -> np.ndarray:
    """Input pixel -> pixel of a larger, concentric source grid."""
    off = (src_size - size) / 2.0
    return np.array([[1.0, 0, off], [0, 1.0, off], [0, 0, 1.0]])


def sample_batch(
    src: torch.Tensor,
    src_points: torch.Tensor,
    size: int,
    mm_per_px: float,
    cfg: AugmentConfig | None,
    rng: np.random.Generator,
    *,
    upright: bool = False,
):
    """Inputs (B,1,size,size) and landmarks (B,5,2) cut from cached sources, augmented or not.

    upright=True turns each image so its long axis points up (the fine pass, which the
    localising pass orients); augmentation then rotates only by cfg.upright_jitter_deg.
    """
    b = src.shape[0]
    base = crop_matrix(src.shape[-1], size)
    angles = None
    if upright:
        angles = [upright_angle(p) for p in src_points.cpu().numpy()]
    if cfg is None:
        plain = (
            [np.eye(3)] * b
            if angles is None
            else [similarity_matrix(size, angle_rad=a) for a in angles]
        )
        mats = [base @ a for a in plain]
    else:
        sims = random_similarities(b, size, mm_per_px, cfg, rng, base_angles=angles)
        mats = [base @ a for a in sims]
    images = warp(src.float(), torch.from_numpy(np.stack(mats)), size)
    pts = np.stack(
        [
            map_points(np.linalg.inv(m), p)
            for m, p in zip(mats, src_points.cpu().numpy(), strict=True)
        ]
    )
    if cfg is not None and cfg.intensity:
        images = augment_intensity(images, rng)
    if pts.shape[-2] == 5:  # landmark sets (tests may move single points)
        pts = canonical_pairs(pts)
    return images, torch.from_numpy(pts).float()


def augment_intensity(images: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Random brightness, contrast, gamma, bias field, blur and noise per image."""
    b, _, h, w = images.shape
    dev = images.device

    def r(lo, hi):
        return torch.from_numpy(rng.uniform(lo, hi, size=(b, 1, 1, 1))).float().to(dev)

    x = images.clamp_min(0.0) ** torch.exp(r(-0.3, 0.3))  # gamma 0.74..1.35
    x = x * r(0.8, 1.2) + r(-0.1, 0.1)  # contrast, brightness
    x = x * _bias_field(b, h, w, rng).to(dev)
    if rng.random() < 0.3:
        x = blur(x, float(rng.uniform(0.5, 1.2)))
    noise = torch.from_numpy(rng.standard_normal((b, 1, h, w)).astype(np.float32)).to(dev)
    return x + noise * r(0.0, 0.05)


def _bias_field(b: int, h: int, w: int, rng: np.random.Generator) -> torch.Tensor:
    """Smooth multiplicative field exp(quadratic in x, y), up to about ±30 %."""
    y, x = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    terms = torch.stack([x, y, x * y, x * x, y * y])  # (5, h, w)
    coef = torch.from_numpy(rng.uniform(-0.12, 0.12, size=(b, 5))).float()
    return torch.exp(torch.einsum("bk,khw->bhw", coef, terms))[:, None]
