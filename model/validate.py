"""Validation during training: losses and SI / landmark errors on un-augmented cached crops."""

from __future__ import annotations

import math

import numpy as np
import torch

from core.geometry import Spacing
from model.augment import sample_batch
from model.heatmap import decode, landmark_loss
from model.preprocess import array_landmarks
from model.si import si_from_landmarks


@torch.no_grad()
def validate(model, setup, val_set, config, batch: int = 32) -> dict:
    """val_loss, SI MSE of both estimates and landmark error (mm) on the validation crops.

    The fine crops are centred on the reference LV and turned upright by its axis here;
    `sphericity evaluate` measures the whole path (localising pass included) on the test split.
    """
    if len(val_set) == 0:
        return {}
    model.eval()
    losses: list[float] = []
    si_reg: list[torch.Tensor] = []
    si_lm: list[float] = []
    err_mm: list[torch.Tensor] = []
    coarse_err_mm: list[torch.Tensor] = []
    mm = val_set.fine_mm_per_px
    for start in range(0, len(val_set), batch):
        sl = slice(start, start + batch)
        fine, pts = sample_batch(
            val_set.fine[sl], val_set.fine_points[sl], config.size, mm, None, upright=True
        )
        coarse, cpts = sample_batch(
            val_set.coarse[sl], val_set.coarse_points[sl], config.coarse_size, 1.0, None
        )
        with setup.autocast():
            out = model(setup.to_input(fine))
            cout = model(setup.to_input(coarse))
        hm = out["heatmaps"].float().cpu()
        loss = landmark_loss(hm, pts, config.size) + config.si_weight * 100 * torch.mean(
            (out["si"].float().cpu() - val_set.si[sl]) ** 2
        )
        losses.append(float(loss) * fine.shape[0])
        decoded, _ = decode(hm)
        err_mm.append((torch.linalg.vector_norm(decoded - pts, dim=-1) * mm).flatten())
        cdec, _ = decode(cout["heatmaps"].float().cpu())
        coarse_err_mm.append(_centre_error_px(cdec, cpts))  # in coarse px; scaled below
        si_reg.append(out["si"].float().cpu())
        si_lm.extend(
            si_from_landmarks(array_landmarks(p), Spacing.isotropic(mm)) for p in decoded.numpy()
        )
    ref = val_set.si.numpy()
    reg = torch.cat(si_reg).numpy()
    lm = np.array(si_lm)
    errors = torch.cat(err_mm).numpy()
    return {
        "val_loss": sum(losses) / len(val_set),
        "val_mse_regression": float(np.mean((reg - ref) ** 2)),
        "val_mse_landmarks": _nan_mse(lm, ref),
        "val_landmark_error_mm_median": float(np.median(errors)),
        "val_coarse_centre_error_px_median": float(np.median(torch.cat(coarse_err_mm).numpy())),
    }


def _centre_error_px(decoded: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    return torch.linalg.vector_norm(decoded.mean(dim=1) - points.mean(dim=1), dim=-1)


def _nan_mse(pred: np.ndarray, ref: np.ndarray) -> float:
    """MSE, counting a degenerate (NaN) landmark SI as missing; NaN if all are missing."""
    ok = np.isfinite(pred)
    return float(np.mean((pred[ok] - ref[ok]) ** 2)) if ok.any() else math.nan
