"""`sphericity worklist`: the unread images to read next, the ones the model is least sure of first.

Reads the run's stored predictions (their acquisition scores, core.acquisition) and ranks them
with the diversity rule of core.worklist; no torch. Predict first (`sphericity predict PROJECT
--run RUN`) for the images the run has not predicted.
"""

from __future__ import annotations

import argparse
import json
import sys

from core.worklist import MIN_GAP_FRAMES, PER_SERIES, PER_SUBJECT


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help="a project file or an SQLAlchemy URL")
    parser.add_argument(
        "--run",
        default="active",
        help="run id, 'active' (the window's run, the default) or 'latest' (newest finished)",
    )
    parser.add_argument("--n", type=int, default=20, help="how many images (default 20)")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.add_argument("--per-series", type=int, default=PER_SERIES, help=f"default {PER_SERIES}")
    parser.add_argument(
        "--per-subject", type=int, default=PER_SUBJECT, help=f"default {PER_SUBJECT}"
    )
    parser.add_argument(
        "--min-gap-frames",
        type=int,
        default=MIN_GAP_FRAMES,
        help=f"frames between two picks of one cine (default {MIN_GAP_FRAMES})",
    )


def _resolve(project, spec: str) -> int:
    from core.runs import active_run, latest_finished_run

    if spec == "active":
        run = active_run(project)
    elif spec == "latest":
        run = latest_finished_run(project.runs())
    else:
        run = project.run(int(spec))
    if run is None:
        raise ValueError("the project has no finished run; run `sphericity train` first")
    return run.id


def run(name: str, args: argparse.Namespace) -> int:
    from core.store import Project
    from core.worklist import Caps, worklist

    if args.n < 1:
        raise ValueError("--n must be 1 or more")
    caps = Caps(args.per_series, args.per_subject, args.min_gap_frames)
    with Project.open(args.project) as project:
        run_id = _resolve(project, args.run)
        listed = worklist(project, run_id, n=args.n, caps=caps)
        images = project.images([p.image_id for p in listed.picks])
        labels = {i: s.label for i, s in project.series_names().items()}
    rows = [
        {
            "image_id": p.image_id,
            "series": labels.get(images[p.image_id].series_id, ""),
            "frame": images[p.image_id].frame_index,
            "ed": images[p.image_id].is_ed,
            "score": round(p.score, 3),
            "why": p.why,
        }
        for p in listed.picks
    ]
    if args.json:
        out = {
            "run_id": run_id,
            "unread": listed.unread,
            "without_prediction": listed.without_prediction,
        }
        print(json.dumps(out | {"images": rows}, indent=1))
    else:
        for k, row in enumerate(rows, 1):
            ed = " ED" if row["ed"] else ""
            print(
                f"{k:3d}. image {row['image_id']:<6d} {row['series']} frame {row['frame']}{ed}  "
                f"score {row['score']:.2f}  {row['why']}"
            )
    if listed.without_prediction:
        print(
            f"{listed.without_prediction} of {listed.unread} unread images have no prediction "
            f"from run {run_id}: `sphericity predict PROJECT --run {run_id}` scores them",
            file=sys.stderr,
        )
    elif not rows:
        print("every image has a reading", file=sys.stderr)
    return 0
