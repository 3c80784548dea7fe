"""Entry point of `sphericity`: parses the command line and dispatches to a subcommand module.

Each subcommand lives in its own module under app/cli exposing `add_arguments(parser)` and
`run(args) -> int`. Modules are imported only for the command that runs, so `sphericity info`
never pays for torch or Qt.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("app.cli.cmd_project", "create a new, empty project"),
    "info": ("app.cli.cmd_project", "show what a project holds"),
    "import": ("app.cli.cmd_import", "import DICOM, NIfTI, PNG/TIFF/JPEG frames into a project"),
    "import-masks": ("app.cli.cmd_import", "turn LV label maps into readings"),
    "generate": ("app.cli.cmd_generate", "generate phantom frames (files or into a project)"),
    "demo": ("app.cli.cmd_demo", "create (once) and open the demo project"),
    "gui": ("app.cli.cmd_gui", "open a project in the window"),
    "train": ("app.cli.cmd_model", "train the SI model on a project's readings"),
    "adapt": ("app.cli.cmd_model", "adapt a run's batch norm to the project's own frames"),
    "base-model": ("app.cli.cmd_model", "generate phantoms (if missing) and train a base run"),
    "runs": ("app.cli.cmd_model", "list a project's training runs"),
    "predict": ("app.cli.cmd_model", "predict SI and landmarks with a run"),
    "gradcam": ("app.cli.cmd_model", "write a Grad-CAM overlay of one image"),
    "evaluate": ("app.cli.cmd_model", "evaluate a run against the reference SI"),
    "bench": ("app.cli.cmd_model", "benchmark training, prediction and Grad-CAM throughput"),
    "weights": ("app.cli.cmd_model", "manage pretrained ResNet50 weights"),
    "worklist": (
        "app.cli.cmd_worklist",
        "the unread images the model is least sure of, to read next",
    ),
    "export": ("app.cli.cmd_export", "export readings: CSV, dataset, DICOM SR, COCO"),
    "import-readings": ("app.cli.cmd_import_readings", "readings back in from COCO, CSV or SR"),
    "users": ("app.cli.cmd_users", "add logins with a role to a project on a PostgreSQL server"),
}


def _version_text() -> str:
    from core import __version__

    try:
        from core.store.migrations import head_revision

        revision = head_revision()
    except Exception as exc:  # the version must print even from a broken install
        revision = f"unknown ({exc})"
    return f"sphericity-studio {__version__} (schema {revision})"


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show version and schema revision")

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sphericity",
        description="Sphericity Studio: LV sphericity readings, reference SI and an SI model. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        sub_parser.set_defaults(_module=module_name)
        # Argument definitions are cheap; heavy imports inside command modules happen in run().
        importlib.import_module(module_name).add_arguments(name, sub_parser)
    return parser


def _take_trailing_files(parser, module, args, extra: list[str]) -> None:
    """Files given after options (`predict P --run 3 a.dcm b.dcm`) join the FILE list.

    argparse hands positionals that follow an option back as unknown; commands that list
    their FILE argument in TRAILING_FILES accept them anywhere, any other extra is an error.
    """
    dest = getattr(module, "TRAILING_FILES", {}).get(args.command) if module else None
    if dest is None or any(a.startswith("-") for a in extra):
        parser.error("unrecognized arguments: " + " ".join(extra))
    getattr(args, dest).extend(extra)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(_from_environment(sys.argv[1:] if argv is None else argv))
    if args.command is None and not extra:
        args = parser.parse_args(["gui"])
    module = importlib.import_module(args._module) if args.command else None
    if extra:
        _take_trailing_files(parser, module, args, extra)
    _start_log(args.command)
    try:
        return int(module.run(args.command, args) or 0)
    except KeyboardInterrupt:
        print(f"sphericity {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # whatever a command let through: one line, never a traceback
        return _report_error(args.command, exc)


def _from_environment(argv: list[str]) -> list[str]:
    """Arguments with each "@env:NAME" replaced by that variable's value (the window passes a
    server URL with its password this way: a command line is visible to every user in `ps`)."""
    out = []
    for arg in argv:
        if arg.startswith("@env:") and arg[5:] in os.environ:
            arg = os.environ[arg[5:]]
        out.append(arg)
    return out


def _report_error(command: str, exc: Exception) -> int:
    """Print one clear line for an error no command handled (SPHERICITY_DEBUG=1: raise it)."""
    from core.paths import printable_name
    from core.store import StoreError

    if os.environ.get("SPHERICITY_DEBUG"):
        raise exc  # developers: the whole traceback
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    if isinstance(exc, StoreError | OSError | ValueError):
        text = printable_name(first_line or type(exc).__name__)
    else:
        text = f"unexpected error ({type(exc).__name__}: {printable_name(first_line)})"
    print(f"sphericity {command}: {text}", file=sys.stderr)
    return 1


def _start_log(command: str) -> None:
    from core import __version__
    from core.logs import configure_logging

    try:
        configure_logging()
    except OSError as exc:  # an unwritable data folder must not stop the command
        print(f"sphericity: no log file ({exc.strerror})", file=sys.stderr)
        return
    # The command's name only: its arguments name projects and files.
    logging.getLogger("app").info("sphericity-studio %s: %s", __version__, command)


if __name__ == "__main__":
    sys.exit(main())
