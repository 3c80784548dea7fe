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
    FrameBatch,
    array_landmarks,
    frame_batch,
    grid_matrices,
    long_axis,
    lv_centre,
    map_points,
    pixel_sizes_mm,
    upright_matrices,
    warp_frames,
    whole_frame_matrices,
)
from model.si import si_from_landmarks

# Frames per chunk of prediction: on a GPU a chunk fills the device (the coarse and fine
# passes of 256 frames at once); on a CPU larger batches only cost memory.
DEVICE_CHUNK = 256
CPU_CHUNK = 32


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

    def chunk(self) -> int:
        """Frames predicted at once: whole chunks on a GPU, CPU-cache-sized batches here."""
        return DEVICE_CHUNK if self.setup.device.type == "cuda" else CPU_CHUNK

    def _fine_matrices(self, points: torch.Tensor, px_mm: torch.Tensor) -> torch.Tensor:
        """(B,3,3) grids of the fine pass around (B,5,2) landmarks estimated in frame pixels."""
        cfg = self.config
        mm_per_px = cfg.fov_mm / cfg.size
        if cfg.fine_pose == "upright":
            return upright_matrices(points, px_mm, mm_per_px, cfg.size)
        # Checkpoints from before the upright pose: landmark mean, unrotated.
        return grid_matrices(points.mean(dim=-2), px_mm, mm_per_px, cfg.size)

    @torch.no_grad()
    def _pass(self, frames: FrameBatch, mats: torch.Tensor, size: int) -> dict[str, torch.Tensor]:
        """One pass over a chunk, all on the device: frames sampled on (B,3,3) matrices, the
        model, decoded points mapped back to frame pixels (float64), confidence, SI, features."""
        out = self.forward(self.setup.to_input(warp_frames(frames, mats, size)))
        pts, conf = decode(out["heatmaps"].float())
        return {
            "points": map_points(mats, pts.to(torch.float64)),
            "confidence": conf,
            "si": out["si"].float().reshape(-1),
            "features": out["features"].float(),
        }

    def predict(
        self, frames: list[tuple[np.ndarray, Spacing]], batch: int | None = None
    ) -> list[Prediction]:
        """Predictions for (pixels, spacing) frames, in order, `batch` (default chunk()) at once."""
        step = batch or self.chunk()
        out: list[Prediction] = []
        for start in range(0, len(frames), step):
            out.extend(self._predict_batch(frames[start : start + step]))
        return out

    def passes(self, frames) -> dict[str, torch.Tensor]:
        """The passes over one chunk of (pixels, spacing) frames, as tensors on the device:
        the last fine pass's outputs, its matrices ("fine_matrix"), the pass agreement
        ("centre_shift_mm", "axis_turn_deg"; NaN without a refining pass)."""
        cfg, dev = self.config, self.setup.device
        batch = frame_batch([p for p, _ in frames], dev)
        px_mm = pixel_sizes_mm([s for _, s in frames]).to(dev)
        coarse = whole_frame_matrices(batch.shapes.to(dev), px_mm, cfg.coarse_size)
        pts = self._pass(batch, coarse, cfg.coarse_size)["points"]
        # Fine passes: each reads the field of view placed by the previous estimate.
        refining = max(0, cfg.refine if cfg.fine_pose == "upright" else 0)
        for _ in range(1 + refining):
            placed_by = pts
            fine = self._fine_matrices(pts, px_mm)
            out = self._pass(batch, fine, cfg.size)
            pts = out["points"]
        if refining:
            # Agreement between two fine passes; the localising pass is too coarse to compare.
            shift, turn = pass_agreements(placed_by, pts, px_mm)
        else:
            shift = turn = torch.full((len(frames),), math.nan, device=dev, dtype=torch.float64)
        return {**out, "fine_matrix": fine, "centre_shift_mm": shift, "axis_turn_deg": turn}

    def _predict_batch(self, frames) -> list[Prediction]:
        # The chunk leaves the device once, after its last pass.
        res = {k: v.cpu().numpy() for k, v in self.passes(frames).items()}
        distances = mahalanobis(self.feature_stats, res["features"])
        limit = (self.feature_stats or {}).get("limit") or math.inf  # None: no limit set
        preds = []
        for k, (_, spacing) in enumerate(frames):
            lm = array_landmarks(res["points"][k])
            si_lm = si_from_landmarks(lm, spacing)
            shift, turn = float(res["centre_shift_mm"][k]), float(res["axis_turn_deg"][k])
            conf = res["confidence"][k]
            flags = plausibility_flags(si_lm, conf, shift, turn, distances[k], limit)
            # The run's better estimate, unless flags say its landmarks are not to be trusted.
            use = model_si_field(self.model_si_kind, flags)
            si_reg = float(res["si"][k])
            preds.append(
                Prediction(
                    si=float(si_lm if use == "si_landmarks" else si_reg),
                    si_regression=si_reg,
                    si_landmarks=float(si_lm),
                    landmarks=lm,
                    confidence={n: float(c) for n, c in zip(LANDMARK_NAMES, conf, strict=True)},
                    fine_matrix=res["fine_matrix"][k],
                    centre_shift_mm=shift,
                    axis_turn_deg=turn,
                    flags=flags,
                    feature_distance=float(distances[k]),
                    features=res["features"][k],
                )
            )
        return preds


# The limits of a trustworthy prediction live in core.model_si (the worklist scores by them too).
SI_RANGE = PREDICTION_SI_RANGE


def pass_agreements(before: torch.Tensor, after: torch.Tensor, px_mm: torch.Tensor):
    """(centre shifts in mm, axis turns in degrees), (B,) each, between two (B,5,2) landmark
    estimates in frame px of frames with (B,2) pixel sizes (x, y) in mm; on their device."""
    mm = px_mm.to(before.device, torch.float64)
    shift = torch.linalg.vector_norm((lv_centre(after) - lv_centre(before)) * mm, dim=-1)
    a, b = long_axis(before, mm), long_axis(after, mm)
    norms = torch.linalg.vector_norm(a, dim=-1) * torch.linalg.vector_norm(b, dim=-1)
    cos = (a * b).sum(dim=-1) / norms.clamp_min(1e-12)
    return shift, torch.rad2deg(torch.arccos(cos.clamp(-1.0, 1.0)))


def pass_agreement(before: np.ndarray, after: np.ndarray, spacing: Spacing) -> tuple[float, float]:
    """(centre shift in mm, axis turn in degrees) between two landmark estimates in frame px."""
    shift, turn = pass_agreements(
        torch.from_numpy(np.asarray(before, dtype=np.float64))[None],
        torch.from_numpy(np.asarray(after, dtype=np.float64))[None],
        pixel_sizes_mm([spacing]),
    )
    return float(shift[0]), float(turn[0])


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
