"""`sphericity init` and `sphericity info`: create a project, show what a project holds."""

from __future__ import annotations

import argparse
import json
import sys

SUFFIX = ".sphericity"
PROJECT_HELP = f"a project file (suggested suffix {SUFFIX}) or an SQLAlchemy URL"


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    if name == "info":
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(name: str, args: argparse.Namespace) -> int:
    from core.store import StoreError

    try:
        return _init(args) if name == "init" else _info(args)
    except StoreError as exc:
        print(f"sphericity {name}: {exc}", file=sys.stderr)
        return 1


def _init(args: argparse.Namespace) -> int:
    from core.store import Project

    if "://" not in args.project and not args.project.endswith(SUFFIX):
        print(f"note: project files usually end in {SUFFIX}", file=sys.stderr)
    with Project.create(args.project) as project:
        print(f"created project {project.shown_url} (schema {project.schema_revision})")
    return 0


def _info(args: argparse.Namespace) -> int:
    from core.store import Project

    with Project.open(args.project) as project:
        summary = project.info()
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
        return 0
    readings = summary["readings"]
    by_status = ", ".join(f"{n} {status}" for status, n in readings.items())
    print(f"project   {summary['url']}")
    print(f"schema    {summary['schema_revision']}")
    print(f"series    {summary['series']}")
    print(f"images    {summary['images']}")
    print(f"readings  {summary['readings_total']} ({by_status})")
    print(f"readers   {summary['annotators']}")
    print(f"runs      {summary['runs']}")
    return 0
