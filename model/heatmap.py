"""Landmark heatmaps: soft-argmax decoding to sub-pixel points with a confidence, and the loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from model.network import HEATMAP_STRIDE

CONFIDENCE_RADIUS_CELLS = 1.5  # probability mass this close to the estimate is the confidence


def cell_centres(n: int, stride: int = HEATMAP_STRIDE, device=None) -> torch.Tensor:
    """Input-pixel coordinate of each heatmap cell's centre (cell j covers pixels j*s..j*s+s-1)."""
    return torch.arange(n, device=device, dtype=torch.float32) * stride + (stride - 1) / 2.0


def decode(heatmaps: torch.Tensor, stride: int = HEATMAP_STRIDE):
    """Soft-argmax of (B, K, h, w) logits -> points (B, K, 2) in input pixels, confidence (B, K).

    The confidence is the softmax mass within 1.5 cells of the decoded point: near 1 for one
    sharp peak, low for a flat or split map.
    """
    b, k, h, w = heatmaps.shape
    prob = F.softmax(heatmaps.float().reshape(b, k, -1), dim=-1).reshape(b, k, h, w)
    xs = cell_centres(w, stride, heatmaps.device)
    ys = cell_centres(h, stride, heatmaps.device)
    x = (prob.sum(dim=2) * xs).sum(dim=-1)
    y = (prob.sum(dim=3) * ys).sum(dim=-1)
    points = torch.stack([x, y], dim=-1)
    dx = xs.view(1, 1, 1, w) - x.view(b, k, 1, 1)
    dy = ys.view(1, 1, h, 1) - y.view(b, k, 1, 1)
    near = (dx**2 + dy**2) <= (CONFIDENCE_RADIUS_CELLS * stride) ** 2
    confidence = (prob * near).sum(dim=(2, 3))
    return points, confidence


def gaussian_targets(
    points: torch.Tensor, h: int, w: int, sigma_cells: float = 1.0, stride: int = HEATMAP_STRIDE
) -> torch.Tensor:
    """(B, K, h, w) normalised Gaussians at (B, K, 2) input-pixel points."""
    xs = cell_centres(w, stride, points.device).view(1, 1, 1, w)
    ys = cell_centres(h, stride, points.device).view(1, 1, h, 1)
    s = sigma_cells * stride
    d2 = (xs - points[..., 0, None, None]) ** 2 + (ys - points[..., 1, None, None]) ** 2
    g = torch.exp(-0.5 * d2 / s**2)
    return g / g.sum(dim=(2, 3), keepdim=True).clamp_min(1e-12)


def landmark_loss(heatmaps: torch.Tensor, points: torch.Tensor, size: int) -> torch.Tensor:
    """KL divergence to Gaussian targets plus L1 of soft-argmax points (in units of size/100)."""
    b, k, h, w = heatmaps.shape
    logp = F.log_softmax(heatmaps.float().reshape(b, k, -1), dim=-1)
    target = gaussian_targets(points, h, w).reshape(b, k, -1)
    # KL divergence (cross-entropy minus the target's own entropy), so a perfect map scores 0.
    kl = (target * (torch.log(target.clamp_min(1e-12)) - logp)).sum(dim=-1).mean()
    decoded, _ = decode(heatmaps)
    l1 = (decoded - points).abs().mean() * (100.0 / size)
    return kl + l1
