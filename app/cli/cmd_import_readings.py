"""`sphericity import-readings`: readings from COCO keypoints, an export CSV or SRs, back in."""

from __future__ import annotations

import argparse
import sys

DESCRIPTION = """\
FILE is a COCO keypoints .json, a per-reading export .csv, a DICOM SR written by `export --dicom`,
or a folder of them. Entries are matched to the project's images by image UID (derived from the
pixels, so a fresh project with the same images matches) or by the COCO file name, and become
readings with status submitted by --reader (else the reader the file names). Every entry is
checked first; unmatched or invalid entries are listed with the reason and nothing is written,
unless --skip-invalid imports the valid ones (still in one transaction).
"""


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.description = f"{parser.description}\n\n{DESCRIPTION}"
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("project", metavar="PROJECT", help="a project file or an SQLAlchemy URL")
    parser.add_argument("file", metavar="FILE", help="COCO .json, export .csv, SR file or folder")
    parser.add_argument("--reader", metavar="NAME", help="the reader the readings are saved as")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid entries even when others are rejected",
    )


def run(name: str, args: argparse.Namespace) -> int:
    from core.interop.readings_import import ReadingsFileError, import_readings
    from core.store import Project, StoreError

    try:
        with Project.open(args.project) as project:
            result = import_readings(
                project, args.file, reader=args.reader, skip_invalid=args.skip_invalid
            )
    except (StoreError, OSError, ReadingsFileError) as exc:
        print(f"sphericity {name}: {exc}", file=sys.stderr)
        return 1
    for where, reason in result.rejected:
        print(f"rejected: {where}: {reason}", file=sys.stderr)
    if result.rejected and not result.written:
        print(
            f"sphericity {name}: nothing imported: {len(result.rejected)} entries rejected "
            "(fix them, or import the rest with --skip-invalid)",
            file=sys.stderr,
        )
        return 1
    print(f"imported {len(result.imported)} readings (status submitted)")
    return 0
