"""Readings back in: COCO keypoints, the project's CSV and its SRs, matched by image UID.

An entry is matched to an image of the project by its image UID (core.interop.keys: derived
from the decoded pixels, so a fresh project holding the same images matches), or by a COCO file
name that is such a UID plus an extension. Every entry becomes a reading with status
"submitted" by the reader named with ``reader`` (else the reader the file names). All entries
are checked first (image found, reader named, not read twice, no reading there already by that
reader, landmarks and contour valid); then everything is written in one transaction. With
``skip_invalid`` False (the default) a single problem writes nothing at all.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.export import CSV_ENCODING, INJECTION_PREFIXES
from core.geometry import (
    GeometryError,
    Landmarks,
    contour_measure,
    spacing_or_unknown,
    validate_landmarks,
)
from core.geometry.types import LANDMARK_NAMES
from core.interop.keys import image_uid

IMPORT_STATUS = "submitted"
_PAGE = 500


@dataclass
class Entry:
    """One reading found in a file, before it is matched."""

    where: str  # "row 3", "annotation 7", "SR_0001.dcm": for messages
    image_uid: str | None = None
    file_name: str | None = None
    reader: str | None = None
    landmarks: dict | None = None
    contour: list | None = None
    problem: str | None = None  # why the entry could not be read


@dataclass
class ReadingsImport:
    """What an import found and did."""

    imported: list[tuple[str, int, int]] = field(default_factory=list)  # (where, image, reading)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    written: bool = False


class ReadingsFileError(ValueError):
    """A file that holds no readings this importer knows."""


# --- reading files ------------------------------------------------------------------------------


def read_entries(path: os.PathLike | str) -> list[Entry]:
    """The entries of a COCO .json, an export .csv, an SR file or a folder of SR files."""
    from core.imaging.dicom import is_dicom

    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and is_dicom(p))
        return [entry for p in files if (entry := _sr_entry(p, path)) is not None]
    if not path.is_file():
        raise ReadingsFileError(f"{path}: no such file or folder")
    if is_dicom(path):
        entry = _sr_entry(path, path.parent)
        if entry is None:
            raise ReadingsFileError(f"{path}: a DICOM file, but not a structured report")
        return [entry]
    if path.suffix.lower() == ".json":
        from core.interop.coco import CocoFormatError, read_coco

        try:
            return [Entry(**item) for item in read_coco(path)]
        except CocoFormatError as exc:
            raise ReadingsFileError(f"{path}: {exc}") from None
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    raise ReadingsFileError(f"{path}: not a COCO .json, an export .csv or a DICOM SR")


def _sr_entry(path: Path, base: Path) -> Entry | None:
    """The entry of one SR file; None for DICOM files that are not SR (exported frames)."""
    from core.imaging.dicom import read_dataset
    from core.imaging.types import ImageReadError
    from core.interop.sr import SrFormatError, read_sr

    where = str(path.relative_to(base)) if path != base else path.name
    try:
        header = read_dataset(str(path), stop_before_pixels=True)
    except ImageReadError as exc:
        return Entry(where, problem=str(exc))
    if str(header.get("Modality", "")) != "SR":
        return None
    try:
        found = read_sr(path)
    except SrFormatError as exc:
        return Entry(where, problem=str(exc))
    return Entry(where, found.image_uid, None, found.reader, found.landmarks, found.contour)


def read_csv(path: os.PathLike | str) -> list[Entry]:
    """Entries of a per-reading export CSV (core.export): image_uid, annotator, landmarks."""
    with open(path, encoding=CSV_ENCODING, newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        needed = ["image_uid", *(f"{n}_{a}_px" for n in LANDMARK_NAMES for a in ("x", "y"))]
        missing = [c for c in needed if c not in header]
        if missing:
            raise ReadingsFileError(
                f"{path}: not a per-reading export CSV (no column {', '.join(missing[:3])})"
            )
        return [_csv_entry(row, number) for number, row in enumerate(reader, start=2)]


def _csv_entry(row: dict, line: int) -> Entry:
    entry = Entry(f"line {line}", image_uid=row["image_uid"] or None)
    entry.reader = _plain_text(row.get("annotator") or "") or None
    try:
        entry.landmarks = {
            n: (float(row[f"{n}_x_px"]), float(row[f"{n}_y_px"])) for n in LANDMARK_NAMES
        }
    except (TypeError, ValueError):
        entry.problem = "a landmark cell is empty or not a number"
    return entry


def _plain_text(cell: str) -> str:
    """Undo the export's CSV-injection apostrophe (core.export.neutralise)."""
    if cell.startswith("'") and cell[1:].startswith(INJECTION_PREFIXES):
        return cell[1:]
    return cell


# --- matching and writing -----------------------------------------------------------------------


def import_readings(
    project,
    path: os.PathLike | str,
    *,
    reader: str | None = None,
    skip_invalid: bool = False,
) -> ReadingsImport:
    """Import the readings of ``path`` (see the module docstring) into ``project``."""
    entries = read_entries(path)
    result = ReadingsImport()
    with project.transaction() as repo:
        images = _images_by_uid(repo)
        accepted = _check(repo, entries, images, reader, result)
        if result.rejected and not skip_invalid:
            return result
        for entry, image, name in accepted:
            annotator = repo.ensure_annotator(name)
            saved = repo.save_reading(
                image.id,
                annotator,
                Landmarks.from_dict(entry.landmarks),
                contour=entry.contour,
                status=IMPORT_STATUS,
            )
            result.imported.append((entry.where, image.id, saved.id))
        result.written = bool(accepted)
    return result


def _images_by_uid(repo) -> dict[str, object]:
    found: dict[str, object] = {}
    offset = 0
    while True:
        page = repo.list_images(None, offset=offset, limit=_PAGE, order_by="id")
        found.update((image_uid(image.content_hash), image) for image in page)
        if len(page) < _PAGE:
            return found
        offset += len(page)


def _check(repo, entries: list[Entry], images: dict, reader: str | None, result) -> list:
    accepted, seen = [], set()
    known = {name: annotator_id for annotator_id, name, _role in repo.annotators()}
    for entry in entries:
        image = _match(entry, images)
        name = (reader or entry.reader or "").strip()
        reason = entry.problem
        if reason is None and image is None:
            reason = f"no image of the project has the image UID {_key(entry)!r}"
        if reason is None and not name:
            reason = "the file names no reader; give one with --reader"
        if reason is None and (image.id, name) in seen:
            reason = f"a second reading of the same image by {name} in this file"
        if reason is None and name in known and repo.reading(image.id, known[name]):
            reason = f"{name} already has a reading of this image (left as it is)"
        if reason is None:
            reason = _geometry_problem(entry, image)
        if reason is not None:
            result.rejected.append((entry.where, reason))
            continue
        seen.add((image.id, name))
        accepted.append((entry, image, name))
    return accepted


def _key(entry: Entry) -> str:
    return entry.image_uid or Path(entry.file_name or "").stem


def _match(entry: Entry, images: dict):
    if entry.image_uid:
        return images.get(entry.image_uid)
    if entry.file_name:
        return images.get(Path(entry.file_name).stem)
    return None


def _geometry_problem(entry: Entry, image) -> str | None:
    if entry.landmarks is None:
        return "no landmarks"
    try:
        landmarks = Landmarks.from_dict(entry.landmarks)
        validate_landmarks(landmarks, image.shape)
        if entry.contour is not None:
            contour_measure(entry.contour, landmarks, spacing_or_unknown(image.spacing))
    except GeometryError as exc:
        return str(exc)
    return None
