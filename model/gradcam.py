"""Signed Grad-CAM of the SI output, mapped back onto the original frame's pixel grid.

Positive values mark regions whose features raise the predicted SI, negative ones those that
lower it. The map comes from a copy of the model in eval mode with in-place ReLUs turned off:
forward hooks keep the layer output and torch.autograd.grad differentiates the SI with respect
to it, so no module backward hook meets an in-place operation.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from model.infer import Prediction, Predictor
from model.preprocess import frame_tensor, warp

LAYERS = ("layer3", "layer4")


def cam_copy(model: nn.Module) -> nn.Module:
    """A copy of the model for Grad-CAM: float32, eval mode, no in-place ReLU."""
    clone = copy.deepcopy(model).float().eval()  # float32 gradients, autocast as set up
    for m in clone.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    for p in clone.parameters():
        p.requires_grad_(False)
    return clone


def signed_grad_cam(
    model: nn.Module, x: torch.Tensor, layer: str, output_key: str = "si", autocast=None
) -> torch.Tensor:
    """(B, h, w) signed Grad-CAM of model(x)[output_key] at model.<layer>, scaled to max |1|."""
    store: dict[str, torch.Tensor] = {}

    def keep(_module, _inputs, output):
        store["act"] = output

    handle = getattr(model, layer).register_forward_hook(keep)
    try:
        x = x.detach().requires_grad_(True)  # the graph must reach the hooked activation
        with autocast or torch.enable_grad():
            out = model(x)[output_key]
        act = store["act"]
        (grad,) = torch.autograd.grad(out.float().sum(), act)
    finally:
        handle.remove()
    weights = grad.float().mean(dim=(2, 3), keepdim=True)
    cam = (weights * act.float()).sum(dim=1)
    scale = cam.abs().flatten(1).amax(dim=1).clamp_min(1e-12)
    return (cam / scale.view(-1, 1, 1)).detach()


class GradCam:
    """Grad-CAM maps of a predictor's SI output for whole frames (one model copy, reused)."""

    def __init__(self, predictor: Predictor) -> None:
        self.predictor = predictor
        self.model = cam_copy(predictor.model)

    def map(
        self, pixels: np.ndarray, spacing, layer: str = "layer4"
    ) -> tuple[np.ndarray, Prediction]:
        """(cam on the frame's pixel grid, NaN outside the field of view; the prediction)."""
        if layer not in LAYERS:
            raise ValueError(f"layer must be one of {LAYERS}, got {layer!r}")
        pred = self.predictor.predict([(pixels, spacing)])[0]
        cfg, setup = self.predictor.config, self.predictor.setup
        frame = frame_tensor(pixels)
        m = torch.from_numpy(pred.fine_matrix)[None]
        x = setup.to_input(warp(frame, m, cfg.size))
        with torch.enable_grad():
            cam = signed_grad_cam(self.model, x, layer, autocast=setup.autocast())
        return _to_frame(cam[0].cpu(), pred.fine_matrix, cfg.size, pixels.shape[:2]), pred


def _to_frame(cam: torch.Tensor, matrix: np.ndarray, size: int, shape) -> np.ndarray:
    """Resample a (h, w) map on the fine input grid onto the frame's (rows, cols) pixels."""
    full = F.interpolate(cam[None, None], size=(size, size), mode="bilinear", align_corners=False)
    inv = torch.from_numpy(np.linalg.inv(matrix))[None]
    rows, cols = shape
    # warp() samples a square grid; sample the largest side and crop to the frame.
    side = max(rows, cols)
    out = warp(full, inv, side)[0, 0, :rows, :cols].numpy()
    inside = warp(torch.ones(1, 1, size, size), inv, side)[0, 0, :rows, :cols].numpy() > 0.5
    return np.where(inside, out, np.nan).astype(np.float32)


_CACHE: dict[int, GradCam] = {}


def gradcam_map(
    predictor: Predictor, pixels: np.ndarray, spacing, layer: str = "layer4"
) -> np.ndarray:
    """Signed Grad-CAM of the SI output on the frame's pixel grid (values in [-1, 1], NaN
    outside the model's field of view). Safe to call from one worker thread per predictor."""
    cam = _CACHE.get(id(predictor))
    if cam is None or cam.predictor is not predictor:
        cam = _CACHE[id(predictor)] = GradCam(predictor)
    return cam.map(pixels, spacing, layer)[0]
