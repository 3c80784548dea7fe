"""Predicting with a run: choose the run, predict a project's images or loose files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.geometry import LANDMARK_NAMES, Spacing
from model.data import UNKNOWN_SPACING
from model.infer import Predictor


def resolve_run(project, spec: str | int):
    """RunInfo for a run id or "latest" (the newest run with a checkpoint)."""
    if str(spec) != "latest":
        run = project.run(int(spec))
    else:
        usable = [
            r for r in project.runs() if r.checkpoint_path and Path(r.checkpoint_path).exists()
        ]
        if not usable:
            raise ValueError("the project has no trained run yet; run `sphericity train` first")
        run = usable[-1]
    if not run.checkpoint_path or not Path(run.checkpoint_path).exists():
        raise ValueError(f"run {run.id} has no checkpoint file ({run.checkpoint_path})")
    return run


def predict_project(
    project, run, predictor: Predictor, *, image_ids=None, batch: int = 32, progress=None
) -> int:
    """Predict the project's images (all, or image_ids) and store the predictions; returns n."""
    ids = list(image_ids) if image_ids is not None else _all_image_ids(project)
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        frames = [(project.pixels(i), project.image(i).spacing or UNKNOWN_SPACING) for i in chunk]
        preds = predictor.predict(frames, batch=batch)
        project.save_predictions(run.id, [p.to_row(i) for i, p in zip(chunk, preds, strict=True)])
        done += len(chunk)
        if progress:
            progress({"event": "batch", "step": done, "total_steps": len(ids)})
    return done


def _all_image_ids(project) -> list[int]:
    ids, offset = [], 0
    while True:
        page = project.list_images(offset=offset, limit=1000)
        ids.extend(i.id for i in page)
        if len(page) < 1000:
            return ids
        offset += 1000


def read_frames(path: Path, spacing_mm: float | None = None) -> list[tuple[np.ndarray, Spacing]]:
    """The 2-D frames of a DICOM, NIfTI or image file with their pixel spacing.

    Read by core.imaging, the importer's readers: every transfer syntax and multi-frame form
    the import handles, rescale applied, size limits checked before decoding. Frames without
    a spacing get spacing_mm, else 1 mm (the CSV's SI then assumes square 1 mm pixels).
    """
    from core.imaging import decode_path

    fallback = Spacing.isotropic(spacing_mm) if spacing_mm else UNKNOWN_SPACING
    # The secret only keys series pseudonyms, which loose-file prediction does not keep.
    decoded = decode_path(str(path), secret=b"predict")
    return [(f.pixels, f.spacing or fallback) for f in decoded.frames]


def predict_files(
    paths: list[str], predictor: Predictor, spacing_mm: float | None = None, on_error=None
) -> list[dict]:
    """CSV rows for loose files: file, frame, si, si_regression, si_landmarks, each landmark's
    x, y and confidence, feature_distance (model.ood) and flags (reasons to distrust the row,
    in words; empty when none).

    A file that cannot be read goes to on_error(name, reason) and is skipped (raised when
    on_error is None).
    """
    from core.imaging import ImageReadError

    rows = []
    for name in paths:
        try:
            frames = read_frames(Path(name), spacing_mm)
        except (ImageReadError, OSError) as exc:
            if on_error is None:
                raise
            on_error(name, str(exc))
            continue
        for k, pred in enumerate(predictor.predict(frames)):
            row = {
                "file": name,
                "frame": k,
                "si": pred.si,
                "si_regression": pred.si_regression,
                "si_landmarks": pred.si_landmarks,
            }
            for n in LANDMARK_NAMES:
                x, y = getattr(pred.landmarks, n)
                row[f"{n}_x"], row[f"{n}_y"] = x, y
                row[f"{n}_confidence"] = pred.confidence[n]
            row["feature_distance"] = pred.feature_distance
            row["flags"] = "; ".join(pred.flags)
            rows.append(row)
    return rows
