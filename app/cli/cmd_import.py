"""`sphericity import` and `import-masks`: images into a project, label maps as readings."""

from __future__ import annotations

import argparse
import os
import sys
import time

from core.paths import printable_name

PROJECT_HELP = "a project file (created when missing) or an SQLAlchemy URL"
MASK_ANNOTATOR = "mask import"
# Exit codes of `sphericity import` (also in --help and the README).
EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 3
IMPORT_EPILOG = f"""\
exit status:
  {EXIT_OK}  every file was imported (or was already in the project)
  {EXIT_FAILED}  nothing was imported: every file failed, or the project could not be opened
  {EXIT_PARTIAL}  partial: some files were imported and some failed (each failure is listed)
"""
EXIT_REFUSED = EXIT_PARTIAL  # import-masks: some labelled frames refused (listed), the rest stored


def _masks_epilog() -> str:
    from core.plausibility import limits_text

    return (
        "One reading per frame whose label map has the LV label: give one mask frame (read on "
        "the ED frame) or one per frame of a cine (NIfTI, or as many frames as the image). "
        "Frames without the LV label are imported unread. A frame is refused, listed with the "
        "reason and imported unread when no mitral valve is found in its map or its reading is "
        f"outside the plausible ranges ({limits_text()}). Exit status: 0 every labelled frame "
        f"stored; {EXIT_REFUSED} some frames refused; 1 errors (unreadable files, masks that do "
        "not fit the image, no frame with the LV label)."
    )


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    if name == "import":
        parser.epilog = IMPORT_EPILOG
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.add_argument("paths", metavar="PATH", nargs="+", help="files or folders to import")
    else:
        parser.epilog = _masks_epilog()
        parser.add_argument(
            "image_path",
            metavar="IMAGE_PATH",
            help="the image or cine file (or a folder with the frame files of one cine)",
        )
        parser.add_argument(
            "mask_path",
            metavar="MASK_PATH",
            help="its label map (NIfTI or PNG), one frame or one per frame",
        )
        parser.add_argument(
            "--labels",
            default="lv=1,myo=2,la=4",
            help="label values, e.g. lv=1,myo=2,la=4 (la=none: no atrium label)",
        )
    parser.add_argument(
        "--spacing-mm",
        type=float,
        default=None,
        help="pixel spacing in mm for files that carry none (PNG, TIFF, JPEG)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(name: str, args: argparse.Namespace) -> int:
    from core.imaging import ImageReadError
    from core.store import StoreError

    try:
        with _open_project(args.project) as project:
            if name == "import":
                return _import(project, args)
            return _import_masks(project, args)
    except (StoreError, ImageReadError, ValueError) as exc:
        print(f"sphericity {name}: {exc}", file=sys.stderr)
        return 1


def _open_project(target: str):
    from core.store import Project
    from core.store.engine import to_url
    from core.store.migrations import is_blank

    if "://" not in target and not os.path.exists(target):
        print(f"creating project {printable_name(target)}", file=sys.stderr)
        return Project.create(target)
    if "://" not in target and os.path.isfile(target) and is_blank(to_url(target)):
        # An empty database (a creation killed before its first commit): nothing to lose.
        print(f"making the empty database {printable_name(target)} a project", file=sys.stderr)
        return Project.create(target)
    return Project.open(target)


class ProgressBar:
    """A plain-text bar on stderr, redrawn at most ten times a second."""

    def __init__(self, enabled: bool, width: int = 30) -> None:
        self.enabled, self.width, self._last = enabled, width, 0.0

    def __call__(self, done: int, total: int, current: str) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        filled = self.width * done // max(total, 1)
        name = printable_name(os.path.basename(current))[-30:]
        bar = "#" * filled + "." * (self.width - filled)
        print(f"\r[{bar}] {done}/{total} {name:<30}", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)


def _import(project, args: argparse.Namespace) -> int:
    from core.importer import import_paths

    report = import_paths(
        project, args.paths, progress=ProgressBar(not args.quiet), spacing_mm=args.spacing_mm
    )
    _print_report(report)
    return import_exit_code(report)


def import_exit_code(report) -> int:
    """EXIT_OK, EXIT_FAILED (files failed, none imported) or EXIT_PARTIAL (some of each)."""
    if not report.failures:
        return EXIT_OK
    return EXIT_PARTIAL if report.images_by_path else EXIT_FAILED


def _print_report(report) -> None:
    print(
        f"imported {len(report.imported)} new images from {report.n_files_ok} files "
        f"({len(report.duplicates)} already in the project)"
    )
    if report.skipped:
        print(f"skipped {len(report.skipped)} files that are not images")
    if report.not_regular:
        print(f"skipped {len(report.not_regular)} entries that are not regular files:")
        for path, reason in report.not_regular:
            print(f"  {printable_name(path)}: {reason}")
    if report.failures:
        print(f"{len(report.failures)} of {len(report.failures) + report.n_files_ok} files failed:")
        for path, reason in report.failures:
            print(f"  {printable_name(path)}: {reason}")


def parse_labels(text: str) -> dict[str, int | None]:
    """'lv=1,myo=2,la=4' -> {'lv': 1, 'myo': 2, 'la': 4}; la=none switches the atrium off."""
    labels: dict[str, int | None] = {"lv": 1, "myo": 2, "la": 4}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        key = key.strip().lower()
        if key not in labels or not value.strip():
            raise ValueError(f"--labels: expected lv=N,myo=N,la=N, got {part!r}")
        value = value.strip().lower()
        labels[key] = None if value in ("none", "-") and key == "la" else int(value)
    return labels


def _import_masks(project, args: argparse.Namespace) -> int:
    from core.importer import import_paths

    labels = parse_labels(args.labels)
    report = import_paths(project, [args.image_path], spacing_mm=args.spacing_mm)
    image_ids = _image_ids(project, report, args.image_path)
    if not image_ids:
        _print_report(report)
        return 1
    return _save_mask_readings(project, image_ids, args.mask_path, labels)


def _image_ids(project, report, image_path: str) -> list[int]:
    """The frames of the image (or of the one cine in a folder of frame files), in frame order."""
    ids = report.images_by_path.get(image_path)
    if ids is not None or not os.path.isdir(image_path):
        return ids or []
    infos = [project.image(i) for file_ids in report.images_by_path.values() for i in file_ids]
    series = {info.series_key for info in infos}
    if len(series) > 1:
        raise ValueError(
            f"the folder holds {len(series)} series: give one file, or a folder of one cine"
        )
    return [info.id for info in sorted(infos, key=lambda info: info.frame_index)]


def _targets(project, image_ids: list[int], n_masks: int) -> list[int]:
    """The image each mask frame belongs to: one mask per frame, or one mask for the ED frame."""
    if n_masks == len(image_ids):
        return image_ids
    if n_masks == 1:
        ed = [i for i in image_ids if project.image(i).is_ed]
        return ed[:1] or image_ids[:1]
    raise ValueError(
        f"the mask has {n_masks} frames and the image {len(image_ids)}: "
        "give one mask frame (for the ED frame) or one per frame"
    )


def _save_mask_readings(project, image_ids, mask_path: str, labels: dict) -> int:
    from core.imaging import read_labels

    masks = read_labels(mask_path)
    pairs = list(zip(_targets(project, image_ids, len(masks)), masks, strict=True))
    for image_id, mask in pairs:  # every frame checked before anything is stored
        info = project.image(image_id)
        if tuple(mask.shape) != tuple(info.shape):
            raise ValueError(f"the mask is {mask.shape} pixels, the image {info.shape}")
        if info.spacing is None:
            raise ValueError("the image's pixel spacing is unknown: give --spacing-mm")
    labelled = [(i, m) for i, m in pairs if (m == labels["lv"]).any()]
    if not labelled:
        print(f"no frame of the mask has the LV label {labels['lv']}: check --labels")
        return 1
    annotator = project.ensure_annotator(MASK_ANNOTATOR)
    saved, refused, seen = 0, 0, set()
    for image_id, mask in labelled:
        if image_id in seen:  # identical frames are stored once: the first mask reads it
            continue
        seen.add(image_id)
        ok = _save_one(project, image_id, mask, labels, annotator)
        saved, refused = saved + ok, refused + (not ok)
    _print_mask_summary(saved, refused, len(pairs) - len(labelled))
    if refused:
        return EXIT_REFUSED
    return 0


def _save_one(project, image_id: int, mask, labels: dict, annotator: int) -> bool:
    """Store the reading of one labelled frame; False (the reasons printed) when refused."""
    from core.geometry import GeometryError
    from core.masks import reading_from_mask
    from core.plausibility import plausibility_problems

    info = project.image(image_id)
    where = f"frame {info.frame_index} (image {image_id})"
    try:
        landmarks, contour = reading_from_mask(mask, info.spacing, **labels)
        problems = plausibility_problems(landmarks, info.spacing)
    except GeometryError as exc:
        problems = [str(exc)]
    if problems:
        print(f"{where}: refused, imported unread: {'; '.join(problems)}")
        return False
    existing = project.reading(image_id, annotator)
    reading = project.save_reading(
        image_id,
        annotator,
        landmarks,
        contour=contour,
        status="submitted",
        expected_version=None if existing is None else existing.version,
    )
    print(f"{where}: SI {reading.si:.3f}")
    return True


def _print_mask_summary(saved: int, refused: int, unlabelled: int) -> None:
    print(f"saved {saved} readings by {MASK_ANNOTATOR!r} (submitted)")
    if refused:
        print(f"{refused} frames refused (reasons above): imported unread")
    if unlabelled:
        print(f"{unlabelled} frames without the LV label: imported unread")
