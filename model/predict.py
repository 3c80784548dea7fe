"""Predicting with a run: choose the run, predict a project's images or loose files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.geometry import LANDMARK_NAMES, UNKNOWN_SPACING, Spacing, spacing_or_unknown
from core.runs import checkpoint_file, latest_usable_run
from core.store import Project, RunInfo
from model.infer import Predictor
from model.progress import progress_event


def resolve_run(project: Project, spec: str | int) -> RunInfo:
    """A run id or "latest" (core.runs.latest_usable_run) whose checkpoint file is present
    (core.runs.checkpoint_file gives its path)."""
    if str(spec) != "latest":
        run: RunInfo | None = project.run(int(spec))
    else:
        run = latest_usable_run(project)
        if run is None:
            raise ValueError(
                "the project has no finished run with a checkpoint; run `sphericity train` first"
            )
    assert run is not None
    path = checkpoint_file(project, run)
    if path is None or not path.is_file():
        raise ValueError(f"run {run.id} has no checkpoint file ({run.checkpoint_path})")
    return run


def predict_project(
    project: Project,
    run: RunInfo,
    predictor: Predictor,
    *,
    image_ids=None,
    batch: int | None = None,
    progress=None,
) -> int:
    """Predict the project's images (all, or image_ids) and store the predictions; returns n.

    batch: frames read and predicted at once (default: the predictor's chunk, whole chunks
    of 256 frames on a GPU)."""
    ids = list(image_ids) if image_ids is not None else _all_image_ids(project)
    batch = batch or predictor.chunk()
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with project.transaction(write=False) as repo:  # one read per batch, not per image
            infos, pixels = repo.images(chunk), repo.pixels_many(chunk)
        frames = [(pixels[i], spacing_or_unknown(infos[i].spacing)) for i in chunk]
        preds = predictor.predict(frames, batch=batch)
        project.save_predictions(run.id, [p.to_row(i) for i, p in zip(chunk, preds, strict=True)])
        done += len(chunk)
        if progress:
            progress(progress_event("batch", step=done, total_steps=len(ids)))
    return done


def _all_image_ids(project: Project) -> list[int]:
    ids: list[int] = []
    offset = 0
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
    from core.imaging import decode_unkept

    fallback = Spacing.isotropic(spacing_mm) if spacing_mm else UNKNOWN_SPACING
    decoded = decode_unkept(str(path))
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
