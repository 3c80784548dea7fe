"""Phantoms out: 16-bit PNG or DICOM MR files with a truth table, or series in a project."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.geometry import LANDMARK_NAMES
from core.phantom.family import FamilyName
from core.phantom.generate import PhantomFrame, generate_cine, generate_frame

ANNOTATOR = "phantom"
TRUTH_FIELDS = [
    "file", "series", "frame_index", "view", "row_mm", "col_mm",
    *[f"{name}_{axis}" for name in LANDMARK_NAMES for axis in ("x", "y")],
    "length_mm", "width_mm", "si", "is_ed", "is_es",
]  # fmt: skip


@dataclass(frozen=True)
class PhantomSeries:
    """One phantom series: its frames (one, or a cine) and which of them are ED and ES."""

    seed: int
    frames: list[PhantomFrame]
    ed_index: int
    es_index: int | None
    frame_interval_ms: float | None
    family: str = "base"

    @property
    def key(self) -> str:
        """Series key derived from the seed and family (phantoms carry no identity to hide);
        base keeps the plain "phantom-SEED" of projects generated before families existed."""
        return (
            f"phantom-{self.seed}"
            if self.family == "base"
            else f"phantom-{self.family}-{self.seed}"
        )


def phantom_series(
    seed: int, count: int, cine_frames: int | None, family: FamilyName = "base"
) -> Iterator[PhantomSeries]:
    """`count` series with seeds seed, seed+1, ...: single ED frames, or cines of cine_frames,
    of one phantom family (core.phantom.family)."""
    for k in range(count):
        s = seed + k
        if cine_frames:
            cine = generate_cine(s, n_frames=cine_frames, family=family)
            yield PhantomSeries(
                s, cine.frames, cine.ed_index, cine.es_index, cine.frame_interval_ms, family
            )
        else:
            yield PhantomSeries(s, [generate_frame(s, family=family)], 0, None, None, family)


def display_window(pixels: np.ndarray) -> tuple[float, float]:
    """(center, width) that shows blood near the top of the range, as scanners window cines."""
    lo, hi = np.percentile(pixels, [1.0, 99.5])
    return float((lo + hi) / 2.0), float(max(hi - lo, 1.0))


def truth_row(file: str, series: PhantomSeries, frame: PhantomFrame) -> dict:
    row = {
        "file": file,
        "series": series.key,
        "frame_index": frame.frame_index,
        "view": frame.view,
        "row_mm": frame.spacing.row_mm,
        "col_mm": frame.spacing.col_mm,
        "length_mm": frame.length_mm,
        "width_mm": frame.width_mm,
        "si": frame.si,
        "is_ed": int(frame.frame_index == series.ed_index),
        "is_es": int(frame.frame_index == series.es_index),
    }
    for name, point in zip(LANDMARK_NAMES, frame.landmarks.points(), strict=True):
        row[f"{name}_x"], row[f"{name}_y"] = point
    return row


def write_files(
    out_dir: Path, series_list: Iterable[PhantomSeries], *, dicom: bool, progress=None
) -> int:
    """Write every frame (PNG or DICOM) and truth.csv into out_dir; returns the frame count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(out_dir / "truth.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TRUTH_FIELDS)
        writer.writeheader()
        for series in series_list:
            for frame in series.frames:
                name = f"{series.key}_f{frame.frame_index:03d}" + (".dcm" if dicom else ".png")
                if dicom:
                    from core.phantom.dicom import write_dicom

                    write_dicom(out_dir / name, series, frame)
                else:
                    _write_png(out_dir / name, frame.pixels)
                writer.writerow(truth_row(name, series, frame))
                count += 1
            if progress is not None:
                progress(count)
    return count


def _write_png(path: Path, pixels: np.ndarray) -> None:
    from PIL import Image

    Image.fromarray(pixels.astype(np.uint16)).save(path)  # 16-bit grayscale PNG


def add_to_project(repo, series: PhantomSeries, annotator_id: int, read: Iterable[int]) -> int:
    """Store one phantom series in a project (source "synthetic"); frames in `read` get the
    exact truth as an approved reading by the annotator "phantom". Returns images created."""
    view = series.frames[0].view
    series_id = repo.add_series(
        series.key, view=view, source="synthetic", frame_interval_ms=series.frame_interval_ms
    )
    read = set(read)
    created_count = 0
    for frame in series.frames:
        k = frame.frame_index
        image_id, created = repo.add_image(
            series_id,
            frame.pixels,
            frame_index=k,
            spacing=frame.spacing,
            view=view,
            source="synthetic",
            is_ed=k == series.ed_index,
            is_es=k == series.es_index,
            window=display_window(frame.pixels),
            frame_time_ms=None
            if series.frame_interval_ms is None
            else k * series.frame_interval_ms,
        )
        created_count += int(created)
        if k in read and repo.reading(image_id, annotator_id) is None:
            repo.save_reading(
                image_id, annotator_id, frame.landmarks, contour=frame.lv_contour, status="approved"
            )
    return created_count
