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
    """The 2-D frames of a DICOM, NIfTI or image file with their pixel spacing."""
    name = path.name.lower()
    fallback = Spacing.isotropic(spacing_mm) if spacing_mm else UNKNOWN_SPACING
    if name.endswith((".nii", ".nii.gz")):
        import nibabel

        img = nibabel.load(str(path))
        data = np.asarray(img.dataobj)
        zooms = img.header.get_zooms()
        spacing = Spacing(float(zooms[1]), float(zooms[0]))
        data = data.reshape(data.shape[0], data.shape[1], -1)
        # NIfTI stores (x, y, ...): transpose each frame to (rows, cols).
        return [(np.ascontiguousarray(data[:, :, k].T), spacing) for k in range(data.shape[2])]
    if name.endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")):
        from PIL import Image

        with Image.open(path) as im:
            return [(np.asarray(im.convert("F")), fallback)]
    import pydicom

    ds = pydicom.dcmread(str(path))
    ps = getattr(ds, "PixelSpacing", None) or getattr(ds, "ImagerPixelSpacing", None)
    spacing = Spacing(float(ps[0]), float(ps[1])) if ps else fallback
    pixels = ds.pixel_array
    frames = pixels if pixels.ndim == 3 and getattr(ds, "NumberOfFrames", 1) > 1 else [pixels]
    return [(np.asarray(f), spacing) for f in frames]


def predict_files(
    paths: list[str], predictor: Predictor, spacing_mm: float | None = None
) -> list[dict]:
    """CSV rows (file, frame, si, si_regression, si_landmarks, landmark x/y) for loose files."""
    rows = []
    for name in paths:
        frames = read_frames(Path(name), spacing_mm)
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
            rows.append(row)
    return rows
