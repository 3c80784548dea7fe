"""Privacy checks shared by the import and export tests: no identifier in any written byte."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def _files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file())
        elif path.is_file():
            found.append(path)
    return found


def _encodings(needle: str) -> set[bytes]:
    # As stored by SQLite/JSON (UTF-8), by Windows-style logs (UTF-16), and in either case.
    forms = {needle, needle.upper(), needle.lower()}
    return {f.encode(enc) for f in forms for enc in ("utf-8", "utf-16-le")}


def assert_no_identifiers(
    paths: Iterable[str | os.PathLike], needles: Iterable[str], *, min_files: int = 1
) -> None:
    """Fail when any needle occurs in any file under `paths` (folders searched recursively).

    Project files should be given with their -wal / -shm companions (they are picked up when a
    folder is given). min_files guards against searching nothing by mistake.
    """
    files = _files(paths)
    assert len(files) >= min_files, f"expected at least {min_files} files to search, got {files}"
    needles = [n for n in needles if n]
    hits = []
    for file in files:
        data = file.read_bytes()
        for needle in needles:
            if any(form in data for form in _encodings(needle)):
                hits.append((str(file), needle))
    assert not hits, f"identifying strings found: {hits}"


def project_files(project_path: str | os.PathLike) -> list[Path]:
    """A SQLite project file with whichever of its -wal, -shm and -journal files exist."""
    base = Path(project_path)
    companions = [base.with_name(base.name + s) for s in ("-wal", "-shm", "-journal")]
    return [base, *[c for c in companions if c.exists()]]
