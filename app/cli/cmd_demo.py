"""`sphericity demo`: create (once) a demo project of phantom cines, then open it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DEMO_CINES = 15
DEMO_FRAMES = 20  # per cine: 300 frames in all
DEMO_SEED = 1000
READ_CINES = 5  # cines whose ED and ES frames carry the phantom's approved reading


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-open", action="store_true", help="only create the demo project")
    parser.add_argument(
        "--path", metavar="FILE", help="create the demo here (default: in the user data folder)"
    )


def run(name: str, args: argparse.Namespace) -> int:
    from core.paths import demo_project_path

    path = Path(args.path) if args.path else demo_project_path()
    if path.exists():
        print(f"demo project already there: {path}")
    else:
        try:
            create_demo(path)
        except BaseException:
            path.unlink(missing_ok=True)  # never leave a half-made demo behind
            raise
    if args.no_open:
        return 0
    from app.cli.main import main

    return main(["gui", str(path)])


def create_demo(path: Path) -> None:
    """Phantom cines with ED and ES marked; a few cines read (approved) by "phantom"."""
    from core.phantom.output import ANNOTATOR, add_to_project, phantom_series
    from core.store import Project

    started = time.monotonic()
    print(f"creating the demo project {path}")
    tmp = path.with_name(path.name + ".part")
    tmp.unlink(missing_ok=True)
    read_images = 0
    with Project.create(tmp) as project:
        series = phantom_series(DEMO_SEED, DEMO_CINES, DEMO_FRAMES)
        for k, one in enumerate(series):
            read = (one.ed_index, one.es_index) if k < READ_CINES else ()
            with project.transaction() as repo:
                annotator = repo.ensure_annotator(ANNOTATOR, "annotator")
                add_to_project(repo, one, annotator, read)
            read_images += len(read)
            print(f"  cine {k + 1}/{DEMO_CINES} ({one.frames[0].view}, {len(one.frames)} frames)")
            sys.stdout.flush()
    tmp.replace(path)  # appears complete or not at all
    total = DEMO_CINES * DEMO_FRAMES
    print(
        f"demo project ready: {total} phantom frames in {DEMO_CINES} cines, {read_images} read "
        f"by '{ANNOTATOR}' (approved), the rest unread ({time.monotonic() - started:.0f} s)"
    )
    print(f"  {path}")
