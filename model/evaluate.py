"""Evaluation of a run against the reference: both SI estimates and landmark errors in mm."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from core.geometry import LANDMARK_NAMES
from core.geometry.frame import distance_mm
from core.stats import regression_metrics
from core.store import Project, RunInfo
from model.data import load_samples
from model.infer import Predictor
from model.preprocess import array_landmarks, canonical_pairs, landmarks_array


def landmark_errors_mm(pred, ref, spacing) -> dict[str, float]:
    """Distance in mm between predicted and reference landmarks, per landmark.

    The reference's hinge and width ends are first named by side as the model names them
    (preprocess.canonical_pairs): "A" versus "B" is a convention, not a position error.
    """
    ref = array_landmarks(canonical_pairs(landmarks_array(ref)))
    return {n: distance_mm(getattr(pred, n), getattr(ref, n), spacing) for n in LANDMARK_NAMES}


def evaluate(
    project: Project,
    run: RunInfo,
    predictor: Predictor,
    *,
    split: str | None = "test",
    source: str | None = None,
    include_submitted: bool = False,
):
    """(metrics, per-image rows) for the run on the labelled images of a split (None: all).

    Predictions are stored with the run too. Metrics hold, for "regression", "landmarks" and
    "model" (the run's model SI), the core.stats regression metrics against the reference SI,
    and the landmark error in mm (median and 90th percentile over all points).
    """
    splits = None if split in (None, "all") else {split}
    samples = load_samples(project, include_submitted=include_submitted, splits=splits)
    if source:
        samples = [s for s in samples if s.source == source]
    if not samples:
        raise ValueError(
            f"no labelled images in split {split!r}" + (f" from {source}" if source else "")
        )
    preds = predictor.predict([(s.pixels, s.spacing) for s in samples])
    project.save_predictions(
        run.id, [p.to_row(s.image_id) for s, p in zip(samples, preds, strict=True)]
    )
    rows: list[dict] = []
    errors: list[float] = []
    for s, p in zip(samples, preds, strict=True):
        err = landmark_errors_mm(p.landmarks, s.landmarks, s.spacing)
        errors.extend(err.values())
        rows.append(
            {
                "image_id": s.image_id,
                "subject": s.subject,
                "split": s.split,
                "source": s.source,
                "si_reference": s.si,
                "si": p.si,
                "si_regression": p.si_regression,
                "si_landmarks": p.si_landmarks,
                **{f"{n}_error_mm": e for n, e in err.items()},
                "min_confidence": min(p.confidence.values()),
                "centre_shift_mm": p.centre_shift_mm,
                "axis_turn_deg": p.axis_turn_deg,
                "feature_distance": p.feature_distance,
                "flags": "; ".join(p.flags),
            }
        )
    ref = np.array([s.si for s in samples])
    metrics: dict[str, Any] = {
        kind: regression_metrics(np.array([r[key] for r in rows]), ref)
        for kind, key in (
            ("regression", "si_regression"),
            ("landmarks", "si_landmarks"),
            ("model", "si"),
        )
    }
    metrics.update(
        split=split or "all",
        source=source,
        n_images=len(samples),
        model_si_kind=predictor.model_si_kind,
        landmark_error_mm_median=float(np.median(errors)),
        landmark_error_mm_p90=float(np.percentile(errors, 90)),
        landmarks_degenerate=int(sum(not math.isfinite(r["si_landmarks"]) for r in rows)),
        flagged=int(sum(bool(r["flags"]) for r in rows)),
        subjects=subject_summary(rows),
    )
    metrics["per_subject"] = regression_metrics(
        np.array([g["si_mean"] for g in metrics["subjects"]]),
        np.array([g["si_reference_mean"] for g in metrics["subjects"]]),
    )
    return metrics, rows


def subject_summary(rows: list[dict]) -> list[dict]:
    """Per subject (split group): frames, mean reference and model SI, frame-level RMSE and bias.

    Frames of one cine are alike, so a figure over frames mostly counts the subjects with the
    most frames; the subject means give each patient one vote.
    """
    by_subject: dict[str, list[dict]] = {}
    for row in rows:
        by_subject.setdefault(row["subject"], []).append(row)
    out = []
    for subject, group in sorted(by_subject.items()):
        ref = np.array([r["si_reference"] for r in group])
        si = np.array([r["si"] for r in group])
        err = si - ref
        out.append(
            {
                "subject": subject,
                "n_images": len(group),
                "si_reference_mean": float(ref.mean()),
                "si_mean": float(np.nanmean(si)) if np.isfinite(si).any() else math.nan,
                "rmse": float(np.sqrt(np.nanmean(err**2))) if np.isfinite(err).any() else math.nan,
                "bias": float(np.nanmean(err)) if np.isfinite(err).any() else math.nan,
            }
        )
    return out


def write_rows_csv(path: Path, rows: list[dict]) -> Path:
    """Write per-image rows as a UTF-8 CSV with a header."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def store_evaluation(project: Project, run: RunInfo, metrics: dict) -> None:
    """Keep the evaluation in the run's metrics under evaluation/<split>[/<source>]."""
    key = metrics["split"] + (f"/{metrics['source']}" if metrics["source"] else "")
    current = dict(run.metrics or {})
    evaluation = dict(current.get("evaluation", {}))
    evaluation[key] = metrics
    current["evaluation"] = evaluation
    project.update_run(run.id, metrics=current)
