"""De-identified DICOM study export: per subject, the read frames plus one SR per reading.

Layout of the output folder (new or empty; it appears complete or not at all)::

    DIR/subject_001/IM_0001.dcm ...   Secondary Capture frames (core.interop.dicom_images)
    DIR/subject_001/SR_0001.dcm ...   one TID 1500 measurement report per reading (core.interop.sr)

A subject is the series' pseudonymous subject key (the series key where none is known, e.g.
frames imported from PNG). Only frames that carry an exported reading are written. Folder and
file names are counters: nothing from the project or the source files is in them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.interop.dicom_images import StudyKeys, sc_image
from core.interop.sr import build_sr


@dataclass(frozen=True)
class DicomExportSummary:
    """What a DICOM export wrote."""

    path: Path
    studies: int
    images: int
    reports: int


def subject_keys(repo) -> dict[int, str]:
    """Series id -> the key its subject is exported under (subject key, else series key)."""
    from sqlalchemy import select

    from core.store.models import Series

    rows = repo.session.execute(select(Series.id, Series.key, Series.subject_key))
    return {series_id: subject or key for series_id, key, subject in rows}


def export_dicom(
    project, out_dir: os.PathLike | str, *, statuses: Iterable[str] | None = None
) -> DicomExportSummary:
    """Write one de-identified study per subject under ``out_dir`` (see the module docstring)."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} already exists and is not an empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-dicom-", dir=out.parent))
    try:
        with project.transaction(write=False) as repo:
            counts = _write_studies(repo, staging, None if statuses is None else tuple(statuses))
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return DicomExportSummary(out, *counts)


def _write_studies(repo, root: Path, statuses) -> tuple[int, int, int]:
    from highdicom import UID

    by_image: dict[int, list] = defaultdict(list)
    for reading in repo.readings(statuses):
        by_image[reading.image_id].append(reading)
    subjects = subject_keys(repo)
    studies: dict[str, _Study] = {}
    images = reports = 0
    for image_id in sorted(by_image):
        image = repo.image(image_id)
        subject = subjects[image.series_id]
        if subject not in studies:
            studies[subject] = _Study(root / f"subject_{len(studies) + 1:03d}", subject)
        study = studies[subject]
        dataset = sc_image(image, repo.pixels(image_id), study.keys, study.series_number(image))
        study.save(dataset, "IM")
        images += 1
        for reading in by_image[image_id]:
            # A new UID per export: a report is a new document each time it is written.
            report = build_sr(reading, dataset, study.keys, study.next_number("SR"), UID())
            study.save(report, "SR", numbered=False)
            reports += 1
    return len(studies), images, reports


class _Study:
    """One subject's folder, UIDs and counters."""

    def __init__(self, folder: Path, subject_key: str) -> None:
        self.folder = folder
        self.keys = StudyKeys.of(subject_key)
        self.series: dict[int, int] = {}  # project series id -> series number
        self.counters: dict[str, int] = defaultdict(int)
        folder.mkdir()

    def series_number(self, image) -> int:
        # Series number 1 is the reports' series; the frames' series follow.
        return self.series.setdefault(image.series_id, len(self.series) + 2)

    def next_number(self, prefix: str) -> int:
        self.counters[prefix] += 1
        return self.counters[prefix]

    def save(self, dataset, prefix: str, *, numbered: bool = True) -> None:
        number = self.next_number(prefix) if numbered else self.counters[prefix]
        dataset.save_as(self.folder / f"{prefix}_{number:04d}.dcm", enforce_file_format=True)
