"""`sphericity export`: a project's readings or images as CSV, or a labelled dataset folder."""

from __future__ import annotations

import argparse
import sys

from core.export import NO_SPLIT
from core.vocab import READING_STATUSES, SPLITS

STATUS_WORDS = READING_STATUSES  # the vocabularies of core.vocab, as the options spell them
SPLIT_WORDS = (*SPLITS, NO_SPLIT)

DESCRIPTION = """\
Writes UTF-8 CSV with a byte-order mark (opens cleanly in Excel and LibreOffice), one header row,
decimal points, times in UTC. Text cells starting with = + - @ tab or CR get a leading apostrophe
(CSV injection); numbers are written as numbers. Images without a known pixel spacing have
spacing_known=false and empty millimetre cells; their SI cells assume square pixels. Model columns
come from the active run (the one picked in the window, else the latest finished run).
"""


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.description = f"{parser.description}\n\n{DESCRIPTION}"
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("project", metavar="PROJECT", help="a project file or an SQLAlchemy URL")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--csv", metavar="OUT", help="write the CSV to this file")
    target.add_argument(
        "--dataset",
        metavar="DIR",
        help="write DIR/labels.csv and one PNG per image under DIR/images (16-bit for 16-bit "
        "frames); DIR must be new or empty",
    )
    target.add_argument(
        "--dicom",
        metavar="DIR",
        help="write a de-identified DICOM study per subject under DIR: the read frames (Secondary "
        "Capture) and one TID 1500 measurement report (SR) per reading; DIR must be new or empty",
    )
    target.add_argument(
        "--coco",
        metavar="FILE.json",
        help="write the readings as COCO keypoints (five landmarks, skeleton, bounding boxes, SI "
        "and lengths in extra fields)",
    )
    parser.add_argument(
        "--images",
        metavar="DIR",
        help="with --coco: also write each image as PNG under DIR, named as in the COCO file",
    )
    parser.add_argument(
        "--per", choices=("reading", "image"), default="reading", help="one row per reading "
        "(landmarks, SI, status, annotator) or per image (reference SI and mean reference "
        "landmarks, model SI); default reading"
    )  # fmt: skip
    parser.add_argument(
        "--status",
        type=_word_list(STATUS_WORDS),
        metavar="LIST",
        help=f"keep readings in these statuses, comma separated ({','.join(STATUS_WORDS)}); "
        "per image: only images with such a reading. Default: all",
    )
    parser.add_argument(
        "--split",
        type=_word_list(SPLIT_WORDS),
        metavar="LIST",
        help=f"keep images in these splits ({','.join(SPLIT_WORDS)}; none = no split). "
        "Default: all",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite an existing file that is not a CSV (never a project or its -wal/-shm)",
    )
    parser.add_argument(
        "--include-submitted",
        action="store_true",
        help="reference SI averages submitted readings too, not only approved ones",
    )


def run(name: str, args: argparse.Namespace) -> int:
    from core.export import export_csv
    from core.export_dataset import export_dataset
    from core.store import Project, StoreError

    options = dict(
        per=args.per,
        statuses=args.status,
        splits=args.split,
        include_submitted=args.include_submitted,
    )
    if args.images and not args.coco:
        print(f"sphericity {name}: --images goes with --coco", file=sys.stderr)
        return 2
    if args.dicom or args.coco:
        if args.per != "reading" or args.split or args.include_submitted:
            print(
                f"sphericity {name}: --dicom and --coco write one entry per reading; "
                "--per, --split and --include-submitted are for --csv and --dataset",
                file=sys.stderr,
            )
            return 2
        return _run_interop(name, args)
    try:
        _check_targets(args)
        with Project.open(args.project) as project:
            if args.dataset:
                summary = export_dataset(project, args.dataset, **options)
            else:
                summary = export_csv(project, args.csv, **options)
    except (StoreError, OSError) as exc:
        print(f"sphericity {name}: {exc}", file=sys.stderr)
        return 1
    run_text = f"run {summary.run_id}" if summary.run_id is not None else "no run"
    print(
        f"wrote {summary.rows} rows for {summary.images} images to {summary.path} "
        f"(model SI from {run_text})"
    )
    if summary.spacing_unknown_images:
        print(
            f"note: {summary.spacing_unknown_images} images have no known pixel spacing "
            "(spacing_known=false: mm cells empty, SI assumes square pixels)",
            file=sys.stderr,
        )
    return 0


def _run_interop(name: str, args: argparse.Namespace) -> int:
    """--dicom and --coco: the formats other tools read (core.interop)."""
    from core.interop.coco import export_coco
    from core.interop.dicom_export import export_dicom
    from core.store import Project, StoreError

    try:
        _check_targets(args)
        with Project.open(args.project) as project:
            if args.dicom:
                done = export_dicom(project, args.dicom, statuses=args.status)
                text = f"{done.reports} reports on {done.images} images in {done.studies} studies"
            else:
                done = export_coco(project, args.coco, statuses=args.status, images_dir=args.images)
                text = f"{done.annotations} annotations on {done.images} images"
    except (StoreError, OSError, ValueError) as exc:
        print(f"sphericity {name}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {text} to {done.path}")
    return 0


def _check_targets(args: argparse.Namespace) -> None:
    """Refuse, before anything is written, a target that would overwrite the project or a file."""
    from core.paths import check_export_target

    force = getattr(args, "force", False)
    if getattr(args, "csv", None):
        check_export_target(args.csv, project=args.project, force=force)
    if getattr(args, "dataset", None):
        check_export_target(args.dataset, project=args.project, folder=True, force=force)
    if getattr(args, "dicom", None):
        check_export_target(args.dicom, project=args.project, folder=True, force=force)
    if getattr(args, "coco", None):
        check_export_target(
            args.coco, project=args.project, export_suffixes=(".json",), force=force
        )
    if getattr(args, "images", None):
        check_export_target(args.images, project=args.project, folder=True, force=force)


def _word_list(allowed: tuple[str, ...]):
    def parse(text: str) -> tuple[str, ...]:
        words = tuple(w.strip().lower() for w in text.split(",") if w.strip())
        unknown = [w for w in words if w not in allowed]
        if unknown or not words:
            raise argparse.ArgumentTypeError(
                f"use a comma-separated list of {', '.join(allowed)}; got {text!r}"
            )
        return words

    return parse
