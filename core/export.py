"""CSV export of readings or images, and labelled datasets (PNG frames plus that CSV).

The file format, decided once for every export:

- UTF-8 with a byte-order mark, comma separated, CRLF line ends, one header row. The BOM is what
  makes Excel read UTF-8 (without it, a non-ASCII annotator name turns into mojibake); LibreOffice,
  pandas (``encoding="utf-8-sig"`` or the default) and Python's csv module read it cleanly.
- Numbers are written as plain numbers with a decimal point ("0.5731", "-2.5"), full precision;
  booleans as ``true``/``false``; times as ``YYYY-MM-DD HH:MM:SS`` in UTC (both spreadsheets read
  that as a date); a missing value is an empty cell.
- CSV injection: a *text* cell starting with = + - @ tab or CR gets a leading apostrophe, so a
  spreadsheet shows it as text instead of evaluating it. Numbers are never altered.
- Unknown pixel spacing: ``spacing_known`` is ``false`` and every millimetre cell (landmarks in mm,
  spacing, length, width) is empty. The SI cells keep the SI measured as if pixels were square:
  that is what the application shows and trains on, and a ratio survives a uniform unknown scale;
  filter on ``spacing_known`` to leave those images out.
- No identifying data: the CSV holds pseudonymous series keys, frame numbers and the project's own
  values only (the project never stores patient identity; see DESIGN.md, Privacy).
- ``image_uid`` names the image in every project that holds the same pixels (a UID derived from
  the pixel content hash, core.interop.keys): ``sphericity import-readings`` matches on it.
- Model columns come from the active run (core.runs.active_run: the run the user picked, else
  the latest run that finished).
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.geometry.types import LANDMARK_NAMES
from core.interop.keys import image_uid
from core.model_si import model_si, run_si_kind
from core.reference import mean_landmarks, reference_statuses
from core.runs import active_run
from core.store import ImageInfo, Project, Repository
from core.vocab import SIKind

PER_CHOICES = ("reading", "image")
NO_SPLIT = "none"  # how --split names images without a split
INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"
_PAGE = 500  # images listed per query while streaming

IMAGE_COLUMNS = (
    "image_id", "image_uid", "series_key", "frame_index", "view", "is_ed", "is_es", "source",
    "split", "rows", "cols", "spacing_known", "spacing_row_mm", "spacing_col_mm",
)  # fmt: skip
LANDMARK_PX_COLUMNS = tuple(f"{n}_{a}_px" for n in LANDMARK_NAMES for a in ("x", "y"))
LANDMARK_MM_COLUMNS = tuple(f"{n}_{a}_mm" for n in LANDMARK_NAMES for a in ("x", "y"))
READING_COLUMNS = (
    "reading_id", "annotator", "status", "version", "created_at_utc", "updated_at_utc",
    "suggestion_unchanged", "note", *LANDMARK_PX_COLUMNS, *LANDMARK_MM_COLUMNS,
    "length_mm", "width_mm", "si", "has_contour", "si_contour", "si_volumetric",
)  # fmt: skip
REFERENCE_LANDMARK_COLUMNS = tuple(f"reference_{c}" for c in LANDMARK_PX_COLUMNS)
PER_IMAGE_COLUMNS = ("n_readings", "readings_si_mean", *REFERENCE_LANDMARK_COLUMNS)
REFERENCE_COLUMNS = ("reference_si", "n_reference_readings")
MODEL_COLUMNS = ("model_run_id", "model_si", "model_si_regression", "model_si_landmarks")


def columns(per: str = "reading") -> tuple[str, ...]:
    """The header of a CSV export, in order."""
    _check_per(per)
    middle = READING_COLUMNS if per == "reading" else PER_IMAGE_COLUMNS
    return (*IMAGE_COLUMNS, *middle, *REFERENCE_COLUMNS, *MODEL_COLUMNS)


@dataclass(frozen=True)
class Selection:
    """Which rows an export holds.

    per: one row per reading or per image. statuses: keep readings in these statuses (None: all);
    per image, only images with such a reading (None: every image). splits: keep images in these
    splits ("none" for images without one; None: all). include_submitted: reference SI averages
    submitted readings too, not only approved ones.
    """

    per: str = "reading"
    statuses: tuple[str, ...] | None = None
    splits: tuple[str, ...] | None = None
    include_submitted: bool = False

    @classmethod
    def make(cls, per="reading", statuses=None, splits=None, include_submitted=False) -> Selection:
        _check_per(per)
        return cls(
            per=per,
            statuses=None if statuses is None else tuple(statuses),
            splits=None if splits is None else tuple(splits),
            include_submitted=bool(include_submitted),
        )


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path  # the CSV
    rows: int
    images: int
    spacing_unknown_images: int
    run_id: int | None


# --- cells --------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show, never evaluate (OWASP CSV-injection advice)."""
    return "'" + text if text.startswith(INJECTION_PREFIXES) else text


def format_cell(value) -> str:
    """One CSV cell: numbers as numbers, text neutralised, None/NaN empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if hasattr(value, "dtype"):  # a numpy scalar
        return format_cell(value.item())
    return neutralise(str(value))


# --- rows ---------------------------------------------------------------------------------------


@dataclass
class _Context:
    selection: Selection
    readings: dict[int, list]  # image id -> readings kept by the status filter
    reference: dict[int, tuple[float, int]]  # image id -> (reference SI, readings averaged)
    reference_landmarks: dict[int, list]  # image id -> landmarks of the readings averaged
    run_id: int | None
    model_si_kind: SIKind | None
    predictions: dict[int, dict]


def iter_export_rows(
    repo: Project | Repository, selection: Selection
) -> Iterator[tuple[ImageInfo, list[dict]]]:
    """(ImageInfo, its rows) for every image the selection keeps, in image id order.

    ``repo`` is a Repository (or a Project). Only metadata is read here; pixels are left to the
    caller, one image at a time.
    """
    ctx = _context(repo, selection)
    for image in _images(repo, selection):
        image_readings = ctx.readings.get(image.id, [])
        if selection.per == "reading":
            rows = [_reading_row(image, r, ctx) for r in image_readings]
        elif selection.statuses is None or image_readings:
            rows = [_image_row(image, image_readings, ctx)]
        else:
            rows = []
        if rows:
            yield image, rows


def _context(repo, selection: Selection) -> _Context:
    by_image: dict[int, list] = defaultdict(list)
    for reading in repo.readings(selection.statuses):
        by_image[reading.image_id].append(reading)
    reference_landmarks: dict[int, list] = defaultdict(list)
    for reading in repo.readings(reference_statuses(selection.include_submitted)):
        reference_landmarks[reading.image_id].append(reading.landmarks)
    reference_si = repo.reference_si_map(include_submitted=selection.include_submitted)
    run = active_run(repo)
    return _Context(
        selection=selection,
        readings=by_image,
        reference={i: (si, len(reference_landmarks[i])) for i, si in reference_si.items()},
        reference_landmarks=reference_landmarks,
        run_id=None if run is None else run.id,
        model_si_kind=run_si_kind(run),
        predictions={} if run is None else repo.predictions(run.id),
    )


def _images(repo, selection: Selection) -> Iterator:
    wanted = None if selection.splits is None else set(selection.splits)
    offset = 0
    while True:
        page = repo.list_images(None, offset=offset, limit=_PAGE, order_by="id")
        for image in page:
            if wanted is None or (image.split or NO_SPLIT) in wanted:
                yield image
        if len(page) < _PAGE:
            return
        offset += len(page)


def _image_cells(image) -> dict:
    spacing = image.spacing
    return {
        "image_id": image.id,
        "image_uid": image_uid(image.content_hash),
        "series_key": image.series_key,
        "frame_index": image.frame_index,
        "view": image.view,
        "is_ed": image.is_ed,
        "is_es": image.is_es,
        "source": image.source,
        "split": image.split,
        "rows": image.shape[0],
        "cols": image.shape[1],
        "spacing_known": spacing is not None,
        "spacing_row_mm": None if spacing is None else spacing.row_mm,
        "spacing_col_mm": None if spacing is None else spacing.col_mm,
    }


def _tail_cells(image, ctx: _Context) -> dict:
    reference_si, n_reference = ctx.reference.get(image.id, (None, 0))
    prediction = ctx.predictions.get(image.id) or {}
    return {
        "reference_si": reference_si,
        "n_reference_readings": n_reference,
        "model_run_id": ctx.run_id if prediction else None,
        "model_si": model_si(prediction, ctx.model_si_kind),
        "model_si_regression": prediction.get("si_regression"),
        "model_si_landmarks": prediction.get("si_landmarks"),
    }


def _reading_row(image, reading, ctx: _Context) -> dict:
    from core.suggestion import suggestion_unchanged

    row = _image_cells(image)
    spacing = image.spacing
    row.update(
        reading_id=reading.id,
        annotator=reading.annotator_name,
        status=reading.status,
        version=reading.version,
        created_at_utc=reading.created_at,
        updated_at_utc=reading.updated_at,
        suggestion_unchanged=suggestion_unchanged(reading.suggested, reading.landmarks),
        note=reading.note,
    )
    for name, point in zip(LANDMARK_NAMES, reading.landmarks.points(), strict=True):
        point_mm = (None, None) if spacing is None else spacing.to_mm(point)
        row[f"{name}_x_px"], row[f"{name}_y_px"] = point
        row[f"{name}_x_mm"], row[f"{name}_y_mm"] = point_mm
    known = spacing is not None
    row.update(
        length_mm=reading.length_mm if known else None,
        width_mm=reading.width_mm if known else None,
        si=reading.si,
        has_contour=reading.contour is not None,
        si_contour=reading.si_contour,
        si_volumetric=reading.si_volumetric,
    )
    row.update(_tail_cells(image, ctx))
    return row


def _image_row(image, readings: Sequence, ctx: _Context) -> dict:
    row = _image_cells(image)
    si_values = [r.si for r in readings if r.si is not None and math.isfinite(r.si)]
    row["n_readings"] = len(readings)
    row["readings_si_mean"] = sum(si_values) / len(si_values) if si_values else None
    reference = ctx.reference_landmarks.get(image.id)
    if reference:  # mean position over the readings behind reference_si
        points = mean_landmarks(reference).points()
        row.update(zip(REFERENCE_LANDMARK_COLUMNS, (v for p in points for v in p), strict=True))
    row.update(_tail_cells(image, ctx))
    return row


# --- writing ------------------------------------------------------------------------------------


class CsvSink:
    """Writes rows to a temporary file next to ``path``; ``commit`` moves it into place."""

    def __init__(self, path: os.PathLike | str, header: Sequence[str]) -> None:
        self.path = Path(path)
        self.header = tuple(header)
        self.rows = 0
        fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=self.path.parent)
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "w", encoding=CSV_ENCODING, newline="")
        self._writer = csv.writer(self._file)  # default dialect: comma, minimal quoting, CRLF
        self._writer.writerow([neutralise(name) for name in self.header])

    def write(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self._writer.writerow([format_cell(row.get(name)) for name in self.header])
            self.rows += 1

    def commit(self) -> None:
        self._file.close()
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)


def export_csv(
    project: Project | Repository,
    path: os.PathLike | str,
    *,
    per: str = "reading",
    statuses: Iterable[str] | None = None,
    splits: Iterable[str] | None = None,
    include_submitted: bool = False,
) -> ExportSummary:
    """Write the CSV of a project's readings (per="reading") or images (per="image") to ``path``.

    Reads one consistent snapshot of the project; the file appears complete or not at all.
    """
    selection = Selection.make(per, statuses, splits, include_submitted)
    return run_export(project, selection, Path(path), image_sink=None)


def run_export(
    project: Project | Repository, selection: Selection, csv_path: Path, image_sink=None
) -> ExportSummary:
    """Stream the selection's rows into ``csv_path``; ``image_sink`` (if any) writes each image
    once and returns the extra cells (its ``columns``) of that image's rows."""
    header = columns(selection.per) + (image_sink.columns if image_sink else ())
    sink = CsvSink(csv_path, header)
    images = unknown = 0
    try:
        with _read_snapshot(project) as repo:
            run = active_run(repo)
            for image, rows in iter_export_rows(repo, selection):
                if image_sink is not None:
                    extra = image_sink.write(repo, image)
                    rows = [{**row, **extra} for row in rows]
                sink.write(rows)
                images += 1
                unknown += image.spacing is None
    except BaseException:
        sink.discard()
        raise
    sink.commit()
    return ExportSummary(csv_path, sink.rows, images, unknown, None if run is None else run.id)


def _read_snapshot(project: Project | Repository) -> AbstractContextManager[Repository]:
    # A Project hands out one read transaction (a consistent snapshot); a Repository already is one.
    if isinstance(project, Project):
        return project.transaction(write=False)
    return nullcontext(project)


def _check_per(per: str) -> None:
    if per not in PER_CHOICES:
        raise ValueError(f"per must be one of {', '.join(PER_CHOICES)}; got {per!r}")
