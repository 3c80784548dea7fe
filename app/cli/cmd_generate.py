"""`sphericity generate`: phantom frames as files (PNG or DICOM + truth.csv) or into a project."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", nargs="?", metavar="OUT", help="folder for the frames and truth.csv")
    parser.add_argument(
        "--project", metavar="PROJECT", help="add the phantoms to this project instead of files"
    )
    parser.add_argument("--n", type=int, default=10, help="number of frames (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="first series seed (default 0)")
    parser.add_argument("--dicom", action="store_true", help="write DICOM MR files, not PNG")
    parser.add_argument(
        "--cine",
        type=int,
        metavar="K",
        help="frames come as cines of K frames (N is rounded up to whole cines)",
    )
    parser.add_argument(
        "--family",
        choices=("base", "shifted"),
        default="base",
        help="phantom family: base (default, what models train on) or shifted (a stand-in for "
        "a new scanner: other contrast, noise, anatomy, pose, field of view; see README)",
    )
    parser.add_argument(
        "--unread",
        action="store_true",
        help="with --project: store no phantom readings (the truth stays in the frames only)",
    )


def run(name: str, args: argparse.Namespace) -> int:
    problem = _check(args)
    if problem:
        print(f"sphericity generate: {problem}", file=sys.stderr)
        return 2
    from core.phantom.output import phantom_series

    per_series = args.cine or 1
    count = math.ceil(args.n / per_series)
    series = phantom_series(args.seed, count, args.cine, args.family)
    total = count * per_series
    if args.project:
        return _into_project(args.project, series, total, read_all=not args.unread)
    from core.phantom.output import write_files

    out = Path(args.out)
    written = write_files(out, series, dicom=args.dicom, progress=_progress(total))
    kind = "DICOM" if args.dicom else "PNG"
    print(f"wrote {written} {kind} frames and truth.csv to {out}")
    return 0


def _check(args: argparse.Namespace) -> str | None:
    if (args.out is None) == (args.project is None):
        return "give an output folder OUT or --project PROJECT (one of them)"
    if args.n < 1:
        return "--n must be at least 1"
    if args.cine is not None and args.cine < 2:
        return "--cine needs at least 2 frames per cine"
    if args.project and args.dicom:
        return "--dicom writes files; it does not go with --project"
    return None


def _into_project(path: str, series, total: int, *, read_all: bool) -> int:
    from core.phantom.output import ANNOTATOR, add_to_project
    from core.store import StoreError

    try:
        project = _open_or_create(path)
    except StoreError as exc:
        print(f"sphericity generate: {exc}", file=sys.stderr)
        return 1
    report, created, done = _progress(total), 0, 0
    with project:
        for one in series:
            with project.transaction() as repo:  # one series per transaction
                annotator = repo.ensure_annotator(ANNOTATOR, "annotator")
                read = range(len(one.frames)) if read_all else ()
                created += add_to_project(repo, one, annotator, read)
            done += len(one.frames)
            report(done)
        url = project.shown_url
    print(f"added {created} new phantom images ({done - created} already there) to {url}")
    return 0


def _open_or_create(path: str):
    from core.store import Project

    is_file = "://" not in path
    if is_file and not Path(path).exists():
        print(f"creating project {path}")
        return Project.create(path)
    return Project.open(path)


def _progress(total: int):
    """A progress sink printing a line about every 5 % (plain lines read well in logs too)."""
    step = max(1, total // 20)
    last = [0]

    def report(done: int) -> None:
        if done - last[0] >= step or done >= total:
            last[0] = done
            print(f"  {done}/{total} frames", flush=True)

    return report
