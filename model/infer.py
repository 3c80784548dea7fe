"""Prediction: localise the LV on the whole frame, then read a fixed mm field of view around it.

The localising pass gives rough landmarks on the whole frame; the fine pass reads a field of
view centred on the LV with its long axis turned upright, and `refine` more fine passes each
re-centre and re-orient on the previous fine estimate (the last one is the prediction).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.geometry import LANDMARK_NAMES, Landmarks, Spacing
from core.model_si import (
    MAX_AXIS_TURN_DEG,
    MAX_CENTRE_SHIFT_MM,
    MIN_AXIS_CONFIDENCE,
    PREDICTION_SI_RANGE,
    model_si_field,
)
from core.vocab import SIKind
from model.checkpoint import load_checkpoint
from model.config import TrainConfig
from model.device import DeviceSetup, choose_device
from model.heatmap import decode
from model.network import fused_for_inference
from model.ood import mahalanobis
from model.preprocess import (
    array_landmarks,
    frame_tensor,
    grid_matrix,
    long_axis,
    lv_centre,
    map_points,
    upright_matrix,
    warp,
    whole_frame_matrix,
)
from model.si import si_from_landmarks


@dataclass(frozen=True)
class Prediction:
    """A run's output for one frame (landmarks in the frame's own pixel coordinates)."""

    si: float  # the run's model SI (core.model_si: its better estimate, regression if flagged)
    si_regression: float
    si_landmarks: float
    landmarks: Landmarks
    confidence: dict[str, float]
    fine_matrix: np.ndarray  # fine input pixel -> frame pixel (Grad-CAM maps back with it)
    # How far the LV centre (mm) and the long axis (degrees) moved between the last two fine
    # passes (NaN without a refining pass): on frames like the training ones the passes
    # agree; elsewhere they wander.
    centre_shift_mm: float = float("nan")
    axis_turn_deg: float = float("nan")
    flags: tuple[str, ...] = ()  # plain-language reasons to distrust this prediction
    # Mahalanobis distance of the pooled features from the run's training frames (model.ood;
    # NaN for runs saved without feature statistics).
    feature_distance: float = float("nan")
    features: np.ndarray | None = None  # those pooled features (not stored with the row)

    def to_row(self, image_id: int) -> dict:
        """A row for Project.save_predictions."""
        return {
            "image_id": image_id,
            "si_regression": self.si_regression,
            "si_landmarks": self.si_landmarks,
            "landmarks": self.landmarks.to_dict(),
            # The per-landmark confidences, with the prediction's flags (plausibility_flags).
            "confidence": {
                **self.confidence,
                "flags": list(self.flags),
                "feature_distance": _json_float(self.feature_distance),
                # The passes' agreement: the worklist's acquisition score reads it (core).
                "centre_shift_mm": _json_float(self.centre_shift_mm),
                "axis_turn_deg": _json_float(self.axis_turn_deg),
            },
        }


class Predictor:
    """A trained model ready to predict frames: coarse pass, then fine pass (both batched)."""

    def __init__(
        self,
        model,
        config: TrainConfig,
        setup: DeviceSetup,
        model_si_kind: SIKind = "regression",
        feature_stats: dict | None = None,
    ):
        self.config, self.setup, self.model_si_kind = config, setup, model_si_kind
        self.feature_stats = feature_stats  # model.ood statistics of the training frames
        # Batch norm folded into the convolutions: about a tenth faster, same outputs.
        fused = fused_for_inference(model)
        self.dtype = None  # None: float32 weights, autocast as set up
        if setup.device.type == "cpu" and setup.amp_dtype == torch.bfloat16:
            # Weights kept in bf16 once instead of cast at every call as autocast does (about
            # 15 % faster on this CPU); the regression head stays float32 so SI keeps its precision.
            fused = fused.to(torch.bfloat16)
            fused.si_head.float()
            self.dtype = torch.bfloat16
        # torch's stubs lack the (device, memory_format=...) form that Module.to accepts.
        channels_last = torch.channels_last
        self.model = fused.to(setup.device, memory_format=channels_last).eval()  # type: ignore[call-overload]

    @classmethod
    def from_checkpoint(cls, path: Path, device: str = "auto") -> Predictor:
        """Load a run's checkpoint for prediction."""
        model, meta = load_checkpoint(path)
        config = TrainConfig.from_dict(meta["config"])
        kind: SIKind = "landmarks" if meta.get("model_si_kind") == "landmarks" else "regression"
        return cls(model, config, choose_device(device), kind, meta.get("feature_stats"))

    def with_refine(self, refine: int) -> Predictor:
        """The same model predicting with `refine` refining fine passes (the run's config is
        left as it was: the copy gets its own)."""
        if refine < 0:
            raise ValueError("refining passes must be 0 or more")
        other = copy.copy(self)
        other.config = dataclasses.replace(self.config, refine=int(refine))
        return other

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The model's outputs for a prepared input batch, in the predictor's precision."""
        if self.dtype is not None:
            return self.model(x.to(self.dtype))
        with self.setup.autocast():
            return self.model(x)

    def _fine_matrix(self, points: np.ndarray, spacing: Spacing) -> np.ndarray:
        """The fine pass's grid around landmarks estimated in frame pixels."""
        cfg = self.config
        mm_per_px = cfg.fov_mm / cfg.size
        if cfg.fine_pose == "upright":
            return upright_matrix(points, spacing, mm_per_px, cfg.size)
        # Checkpoints from before the upright pose: landmark mean, unrotated.
        return grid_matrix(points.mean(axis=0), spacing, mm_per_px, cfg.size)

    @torch.no_grad()
    def _points(self, frames: list[torch.Tensor], mats: list[np.ndarray], size: int):
        """Model outputs for frames sampled on matrices: points in frame px, confidence, SI,
        pooled features."""
        batch = torch.cat(
            [warp(f, torch.from_numpy(m)[None], size) for f, m in zip(frames, mats, strict=True)]
        )
        out = self.forward(self.setup.to_input(batch))
        pts, conf = decode(out["heatmaps"].float().cpu())
        frame_pts = np.stack([map_points(m, p) for m, p in zip(mats, pts.numpy(), strict=True)])
        features = out["features"].float().cpu().numpy()
        return frame_pts, conf.numpy(), out["si"].float().cpu().numpy(), features

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
        pts, _, _, _ = self._points(tensors, coarse, cfg.coarse_size)
        # Fine passes: each reads the field of view placed by the previous estimate.
        refining = max(0, cfg.refine if cfg.fine_pose == "upright" else 0)
        for _ in range(1 + refining):
            placed_by = pts
            fine = [self._fine_matrix(p, s) for p, (_, s) in zip(pts, frames, strict=True)]
            pts, conf, si_reg, features = self._points(tensors, fine, cfg.size)
        distances = mahalanobis(self.feature_stats, features)
        limit = (self.feature_stats or {}).get("limit") or math.inf  # None: no limit set
        preds = []
        for k, (_, spacing) in enumerate(frames):
            lm = array_landmarks(pts[k])
            si_lm = si_from_landmarks(lm, spacing)
            # Agreement between two fine passes; the localising pass is too coarse to compare.
            shift, turn = (
                pass_agreement(placed_by[k], pts[k], spacing) if refining else (math.nan, math.nan)
            )
            flags = plausibility_flags(si_lm, conf[k], shift, turn, distances[k], limit)
            # The run's better estimate, unless flags say its landmarks are not to be trusted.
            use = model_si_field(self.model_si_kind, flags)
            model_si = si_lm if use == "si_landmarks" else float(si_reg[k])
            preds.append(
                Prediction(
                    si=float(model_si),
                    si_regression=float(si_reg[k]),
                    si_landmarks=float(si_lm),
                    landmarks=lm,
                    confidence={n: float(c) for n, c in zip(LANDMARK_NAMES, conf[k], strict=True)},
                    fine_matrix=fine[k],
                    centre_shift_mm=shift,
                    axis_turn_deg=turn,
                    flags=flags,
                    feature_distance=float(distances[k]),
                    features=features[k],
                )
            )
        return preds


# The limits of a trustworthy prediction live in core.model_si (the worklist scores by them too).
SI_RANGE = PREDICTION_SI_RANGE


def pass_agreement(before: np.ndarray, after: np.ndarray, spacing: Spacing) -> tuple[float, float]:
    """(centre shift in mm, axis turn in degrees) between two landmark estimates in frame px."""
    mm = np.array([spacing.col_mm, spacing.row_mm])
    shift = float(np.linalg.norm((lv_centre(after) - lv_centre(before)) * mm))
    a, b = long_axis(before, mm), long_axis(after, mm)
    cos = float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))
    return shift, float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def plausibility_flags(
    si: float,
    confidence,
    shift_mm: float,
    turn_deg: float,
    distance: float = math.nan,
    distance_limit: float = math.inf,
) -> tuple[str, ...]:
    """Reasons, in words, why a prediction may be wrong (none: nothing looks off)."""
    flags = []
    if not (np.isfinite(si) and SI_RANGE[0] <= si <= SI_RANGE[1]):
        flags.append(f"SI {si:.2f} is outside {SI_RANGE[0]:g}-{SI_RANGE[1]:g}")
    if shift_mm > MAX_CENTRE_SHIFT_MM or turn_deg > MAX_AXIS_TURN_DEG:
        flags.append(
            f"the model's passes disagree (LV centre moved {shift_mm:.0f} mm, "
            f"axis turned {turn_deg:.0f} degrees): is there a long-axis LV in this frame?"
        )
    if float(np.min(confidence[:3])) < MIN_AXIS_CONFIDENCE:
        flags.append("low confidence in the apex or mitral hinges")
    if distance > distance_limit:
        flags.append(
            f"this frame looks unlike the frames the model learned from (distance "
            f"{distance:.0f}, limit {distance_limit:.0f}): its SI may be far off"
        )
    return tuple(flags)


def _json_float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
