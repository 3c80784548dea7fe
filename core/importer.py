"""Import image files into a project: walk paths, group cines, decode, write one file at a time.

Each file is its own transaction: a file that fails leaves nothing behind and the import goes
on. Reasons name the file by the path the user gave, never by anything read from it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from core.geometry import Spacing
from core.imaging import (
    DecodedFile,
    ImageReadError,
    Limits,
    classify,
    decode_path,
    dicomdir_files,
    pseudonym,
    read_header,
)
from core.imaging.files import not_regular_reason, special_kind
from core.logs import safe_name
from core.store import Project, StoreError

log = logging.getLogger(__name__)
AUTO = -1  # ED frame: where the file's data says, else its first frame

Progress = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    """What an import did: new and already-known images, failures by file, cancellation."""

    imported: list[int] = field(default_factory=list)  # ids of images created now
    duplicates: list[int] = field(default_factory=list)  # ids of identical images already there
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path as given, reason)
    skipped: list[str] = field(default_factory=list)  # files in folders that are not images
    # (path, why) of what folders hold that is not a regular file: pipes, devices, dead links
    not_regular: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    images_by_path: dict[str, list[int]] = field(default_factory=dict)  # frame order per file

    @property
    def n_files_ok(self) -> int:
        return len(self.images_by_path)


@dataclass
class _Unit:
    """One file to import, with its place in its series."""

    path: str
    kind: str
    frame_offset: int = 0
    ed_frame: int | None = AUTO  # frame of this file to mark ED; None: not in this file
    series_key: str | None = None
    frame_time_ms: float | None = None
    frame_interval_ms: float | None = None


def import_paths(
    project: Project,
    paths: Iterable[str | os.PathLike],
    *,
    progress: Progress | None = None,
    cancel=None,
    spacing_mm: float | None = None,
    limits: Limits | None = None,
    source: str = "real",
) -> ImportReport:
    """Import files and folders (recursively) into `project`; see ImportReport.

    progress(done, total, current_name) is called before each file and once at the end; cancel
    is a callable returning True, or a threading.Event, checked after each progress call.
    spacing_mm is used, isotropically, for frames whose files carry no pixel spacing (PNG, TIFF,
    JPEG).
    """
    report = ImportReport()
    secret = project.secret
    files = _collect([os.fspath(p) for p in paths], report)
    units = _plan(files, secret, report)
    fallback = None if spacing_mm is None else Spacing.isotropic(float(spacing_mm))
    for done, unit in enumerate(units):
        if progress is not None:
            progress(done, len(units), unit.path)
        if _is_cancelled(cancel):
            report.cancelled = True
            break
        _import_unit(project, unit, secret, limits, fallback, source, report)
    if progress is not None and not report.cancelled:
        progress(len(units), len(units), "")
    log.info(
        "import: %d new images, %d already present, %d files failed%s",
        len(report.imported),
        len(report.duplicates),
        len(report.failures),
        " (cancelled)" if report.cancelled else "",
    )
    return report


def _is_cancelled(cancel) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if is_set is not None else cancel())


def _collect(paths: list[str], report: ImportReport) -> list[tuple[str, str]]:
    """(path, kind) of every image file under `paths`, each real file once, in walk order."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(path: str, explicit: bool) -> None:
        special = special_kind(path)  # links followed: a link to /dev/zero is a device
        if special is not None:
            if explicit:
                _fail(report, path, not_regular_reason(special))
            else:
                report.not_regular.append((path, not_regular_reason(special)))
            return
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        kind = classify(path)
        if kind == "dicomdir":
            try:
                for member in dicomdir_files(path):
                    add(member, True)
            except ImageReadError as exc:
                _fail(report, path, str(exc))
        elif kind is not None:
            found.append((path, kind))
        elif explicit:
            _fail(report, path, "not an image: not a DICOM, NIfTI, PNG, TIFF or JPEG file")
        else:
            report.skipped.append(path)

    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                # A DICOMDIR first: its records claim the files it lists, in its order.
                names = sorted(n for n in names if not n.startswith("."))
                names.sort(key=lambda n: n.upper() != "DICOMDIR")
                for name in names:
                    add(os.path.join(root, name), False)
        elif os.path.lexists(path):
            add(path, True)
        else:
            _fail(report, path, "no such file or folder")
    return found


def _plan(files: list[tuple[str, str]], secret, report: ImportReport) -> list[_Unit]:
    """Units in import order; DICOM files of one series ordered and numbered as one cine."""
    units: list[_Unit] = []
    groups: dict[str, list] = {}
    for path, kind in files:
        if kind != "dicom":
            units.append(_Unit(path, kind))
            continue
        try:
            header = read_header(path, secret)
        except ImageReadError as exc:
            _fail(report, path, str(exc))
            continue
        except Exception as exc:  # a parser bug must cost one file, not the whole import
            _fail(report, path, f"unexpected error while reading ({type(exc).__name__})")
            continue
        if header.series_key is None:
            units.append(_Unit(path, kind))
        else:
            groups.setdefault(header.series_key, []).append(header)
    for key, headers in groups.items():
        for slice_key, members in _by_slice(key, headers, secret):
            units.extend(_series_units(slice_key, members))
    return units


def _by_slice(key: str, headers: list, secret) -> list[tuple[str, list]]:
    """A series holding several slice positions (a stack of cines) as one cine per slice."""
    slices: dict[str | None, list] = {}
    for header in headers:
        slices.setdefault(header.slice_position, []).append(header)
    if len(slices) == 1:
        return [(key, headers)]
    return [
        (pseudonym(secret, "series-slice", f"{key}|{position}"), members)
        for position, members in slices.items()
    ]


def _series_units(key: str, headers: list) -> list[_Unit]:
    """Order a series' files by trigger time (all known) or instance number; number frames."""
    if len(headers) == 1:
        return [_Unit(headers[0].path, "dicom", series_key=key)]
    times = [h.trigger_time_ms for h in headers]
    if None not in times:
        ordered = sorted(headers, key=lambda h: (h.trigger_time_ms, h.instance_number or 0))
    else:
        ordered = sorted(
            headers, key=lambda h: (h.instance_number is None, h.instance_number or 0, h.path)
        )
    known = sorted(t for t in times if t is not None)
    steps = np.diff(known) if len(known) > 1 else np.array([])
    steps = steps[steps > 0]
    interval = float(np.median(steps)) if steps.size else None
    units, offset = [], 0
    for position, header in enumerate(ordered):
        # The lowest trigger time (nearest the R wave) is ED; ordering puts it first.
        ed = AUTO if position == 0 and header.n_frames > 1 else (0 if position == 0 else None)
        units.append(
            _Unit(
                header.path,
                "dicom",
                frame_offset=offset,
                ed_frame=ed,
                series_key=key,
                frame_time_ms=header.trigger_time_ms,
                frame_interval_ms=interval,
            )
        )
        offset += header.n_frames
    return units


def _import_unit(project: Project, unit: _Unit, secret, limits, fallback, source, report) -> None:
    try:
        decoded = decode_path(unit.path, secret, limits)
    except ImageReadError as exc:
        _fail(report, unit.path, str(exc))
        return
    except Exception as exc:  # a decoder bug must cost one file, not the whole import
        _fail(report, unit.path, f"unexpected error while decoding ({type(exc).__name__})")
        return
    try:
        ids = _write(project, unit, decoded, fallback, source)
    except _OnlyDuplicates as known:
        ids = known.ids
    except StoreError as exc:
        _fail(report, unit.path, f"could not be stored ({exc})")
        return
    except Exception as exc:  # driver messages may quote parameters: the type is enough
        _fail(report, unit.path, f"could not be stored ({type(exc).__name__})")
        return
    report.images_by_path[unit.path] = [image_id for image_id, _ in ids]
    for image_id, created in ids:
        (report.imported if created else report.duplicates).append(image_id)


class _OnlyDuplicates(Exception):
    """Every frame was already stored: roll back, so no empty series stays behind."""

    def __init__(self, ids: list[tuple[int, bool]]) -> None:
        super().__init__("all frames already present")
        self.ids = ids


def _write(
    project: Project, unit: _Unit, decoded: DecodedFile, fallback, source
) -> list[tuple[int, bool]]:
    """All frames of one file in one transaction (rolled back entirely on any error)."""
    ed = unit.ed_frame
    if ed == AUTO:
        ed = decoded.ed_index if decoded.ed_index is not None else 0
    single = len(decoded.frames) == 1
    with project.transaction() as repo:
        series_id = repo.add_series(
            unit.series_key or decoded.series_key,
            subject_key=decoded.subject_key,
            view=decoded.view,
            source=source,
            frame_interval_ms=unit.frame_interval_ms or decoded.frame_interval_ms,
        )
        ids = []
        for index, frame in enumerate(decoded.frames):
            frame_time = frame.frame_time_ms
            if frame_time is None and single:
                frame_time = unit.frame_time_ms
            ids.append(
                repo.add_image(
                    series_id,
                    frame.pixels,
                    frame_index=unit.frame_offset + index,
                    spacing=frame.spacing or fallback,
                    view=decoded.view,
                    source=source,
                    is_ed=index == ed,
                    window=frame.window,
                    frame_time_ms=frame_time,
                )
            )
        if not any(created for _, created in ids):
            raise _OnlyDuplicates(ids)
        return ids


def _fail(report: ImportReport, path: str, reason: str) -> None:
    report.failures.append((path, reason))
    # Only the file's name reaches the log: folder names of exports often carry patient names.
    log.warning("import failed: %s: %s", safe_name(path), reason)
