"""Prediction: localise the LV on the whole frame, then read a fixed mm field of view around it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.geometry import LANDMARK_NAMES, Landmarks, Spacing
from model.checkpoint import load_checkpoint
from model.config import TrainConfig
from model.device import DeviceSetup, choose_device
from model.heatmap import decode
from model.preprocess import (
    array_landmarks,
    frame_tensor,
    grid_matrix,
    map_points,
    warp,
    whole_frame_matrix,
)
from model.si import si_from_landmarks


@dataclass(frozen=True)
class Prediction:
    """A run's output for one frame (landmarks in the frame's own pixel coordinates)."""

    si: float  # the run's model SI (regression or landmarks, whichever validated better)
    si_regression: float
    si_landmarks: float
    landmarks: Landmarks
    confidence: dict[str, float]
    fine_matrix: np.ndarray  # fine input pixel -> frame pixel (Grad-CAM maps back with it)

    def to_row(self, image_id: int) -> dict:
        """A row for Project.save_predictions."""
        return {
            "image_id": image_id,
            "si_regression": self.si_regression,
            "si_landmarks": self.si_landmarks,
            "landmarks": self.landmarks.to_dict(),
            "confidence": self.confidence,
        }


class Predictor:
    """A trained model ready to predict frames: coarse pass, then fine pass (both batched)."""

    def __init__(
        self, model, config: TrainConfig, setup: DeviceSetup, model_si_kind: str = "regression"
    ):
        self.config, self.setup, self.model_si_kind = config, setup, model_si_kind
        self.model = model.to(setup.device, memory_format=torch.channels_last).eval()

    @classmethod
    def from_checkpoint(cls, path: Path, device: str = "auto") -> Predictor:
        """Load a run's checkpoint for prediction."""
        model, meta = load_checkpoint(path)
        config = TrainConfig.from_dict(meta["config"])
        return cls(model, config, choose_device(device), meta.get("model_si_kind") or "regression")

    @torch.no_grad()
    def _points(self, frames: list[torch.Tensor], mats: list[np.ndarray], size: int):
        """Model outputs for frames sampled on matrices: points in frame px, confidence, SI."""
        batch = torch.cat(
            [warp(f, torch.from_numpy(m)[None], size) for f, m in zip(frames, mats, strict=True)]
        )
        with self.setup.autocast():
            out = self.model(self.setup.to_input(batch))
        pts, conf = decode(out["heatmaps"].float().cpu())
        frame_pts = np.stack([map_points(m, p) for m, p in zip(mats, pts.numpy(), strict=True)])
        return frame_pts, conf.numpy(), out["si"].float().cpu().numpy()

    def predict(
        self, frames: list[tuple[np.ndarray, Spacing]], batch: int = 32
    ) -> list[Prediction]:
        """Predictions for (pixels, spacing) frames, in order."""
        out: list[Prediction] = []
        for start in range(0, len(frames), batch):
            out.extend(self._predict_batch(frames[start : start + batch]))
        return out

    def _predict_batch(self, frames) -> list[Prediction]:
        cfg = self.config
        tensors = [frame_tensor(p) for p, _ in frames]
        coarse = [whole_frame_matrix(p.shape[:2], s, cfg.coarse_size) for p, s in frames]
        centre_pts, _, _ = self._points(tensors, coarse, cfg.coarse_size)
        fine = [
            grid_matrix(c.mean(axis=0), s, cfg.fov_mm / cfg.size, cfg.size)
            for c, (_, s) in zip(centre_pts, frames, strict=True)
        ]
        pts, conf, si_reg = self._points(tensors, fine, cfg.size)
        preds = []
        for k, (_, spacing) in enumerate(frames):
            lm = array_landmarks(pts[k])
            si_lm = si_from_landmarks(lm, spacing)
            model_si = si_lm if self.model_si_kind == "landmarks" else float(si_reg[k])
            preds.append(
                Prediction(
                    si=float(model_si),
                    si_regression=float(si_reg[k]),
                    si_landmarks=float(si_lm),
                    landmarks=lm,
                    confidence={n: float(c) for n, c in zip(LANDMARK_NAMES, conf[k], strict=True)},
                    fine_matrix=fine[k],
                )
            )
        return preds
