"""Where Sphericity Studio keeps its files: the user data folder, logs, demo project, run files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "sphericity-studio"


def data_dir() -> Path:
    """The user data folder (SPHERICITY_HOME overrides; else the platform's usual place)."""
    override = os.environ.get("SPHERICITY_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_DIR_NAME


PSEUDONYM_KEY_FILE = "pseudonym.key"
SITE_KEY_ENV = "SPHERICITY_SITE_KEY_FILE"  # a team's shared key file, given by its admin


def pseudonym_key_path() -> Path:
    """The key file behind pseudonymous keys: the site's (SPHERICITY_SITE_KEY_FILE) if set,
    else this installation's, in the user data folder (never inside a project)."""
    site = os.environ.get(SITE_KEY_ENV)
    if site:
        return Path(site).expanduser()
    return data_dir() / PSEUDONYM_KEY_FILE


def log_dir() -> Path:
    """Application logs (never contain identifying data)."""
    return data_dir() / "logs"


def demo_project_path() -> Path:
    return data_dir() / "demo.sphericity"


def runs_dir_for(project_url: str) -> Path:
    """Folder for a project's run files: beside a SQLite project, else in data_dir.

    A server project keeps its checkpoints in its database (core.runs); this local folder holds
    what is written before the upload and evaluation CSVs. Its name is a digest of the URL
    without its password, so no path (or log line naming it) derives from a password.
    """
    from core.store.engine import sqlite_file, without_password

    db = sqlite_file(project_url)
    if db is not None:
        return db.with_name(db.name + ".runs")
    import hashlib

    digest = hashlib.sha256(without_password(project_url).encode()).hexdigest()[:16]
    return data_dir() / "runs" / digest


def run_cache_dir(project_id: str) -> Path:
    """This client's copies of a server project's run files (data_dir/cache/runs/PROJECT_ID)."""
    return data_dir() / "cache" / "runs" / project_id


def printable_name(name: str | os.PathLike | bytes) -> str:
    """A file name made safe to print or log: control and bidirectional-format characters escaped.

    A name may hold ESC (terminal commands), BEL, CR/LF (a fake next line), U+202E (text shown
    right to left) or undecodable bytes; each becomes a visible escape such as \\x1b or \\u202e,
    so what the terminal shows is what the name holds. A backslash is doubled, so an escape in
    the output cannot be faked by the name itself.
    """
    if isinstance(name, bytes):
        text = name.decode("utf-8", "surrogateescape")
    else:
        text = os.fspath(name)
        if isinstance(text, bytes):
            text = text.decode("utf-8", "surrogateescape")
    return "".join(_printable_char(ch) for ch in text)


def _printable_char(ch: str) -> str:
    import unicodedata

    if ch == "\\":
        return "\\\\"
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    # Cc: C0/C1 controls (ESC, BEL, CR, LF, CSI...); Cf: format (bidi overrides, zero-width);
    # Zl/Zp: line and paragraph separators; Cs: lone surrogates; Co/Cn: private, unassigned.
    if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
        return (
            f"\\x{code:02x}"
            if code < 0x100
            else f"\\u{code:04x}"
            if code < 0x10000
            else f"\\U{code:08x}"
        )
    return ch


SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")  # beside a SQLite file, part of its data


def check_export_target(
    target: str | os.PathLike,
    *,
    project: str | os.PathLike | None = None,
    export_suffixes: tuple[str, ...] = (".csv",),
    folder: bool = False,
    force: bool = False,
) -> Path:
    """The export path, or FileExistsError when writing there could destroy data.

    Never over a project (the given one or any SQLite database, by its content) or its -wal,
    -shm or -journal file; never over an existing file that is not an export (by suffix) unless
    `force`. folder=True: the target is a folder to fill (an existing file there is refused).
    """
    path = Path(target).expanduser()
    resolved = path.resolve()
    shown = printable_name(str(path))
    if _is_project_part(resolved, project):
        raise FileExistsError(f"refusing to write the export over {shown}: it is the project")
    if not os.path.lexists(path):
        return path
    if resolved.is_file() and _is_sqlite(resolved):
        raise FileExistsError(f"refusing to write the export over {shown}: it holds a database")
    if folder:
        if not resolved.is_dir():
            raise FileExistsError(f"{shown} exists and is not a folder")
        return path
    if resolved.is_dir():
        raise FileExistsError(f"{shown} is a folder: give a file name")
    if not force and resolved.suffix.lower() not in export_suffixes:
        raise FileExistsError(
            f"{shown} exists and is not a {'/'.join(export_suffixes)} file; "
            "give --force to overwrite it"
        )
    return path


def _is_project_part(resolved: Path, project: str | os.PathLike | None) -> bool:
    """The project file, a SQLite companion of it, or a companion of any SQLite file."""
    for suffix in SQLITE_COMPANIONS:
        if resolved.name.endswith(suffix):
            owner = resolved.with_name(resolved.name[: -len(suffix)])
            if owner.is_file() and _is_sqlite(owner):
                return True
    db = _sqlite_path(project)
    if db is None:
        return False
    db = db.expanduser().resolve()
    parts = [db] + [db.with_name(db.name + s) for s in SQLITE_COMPANIONS]
    if resolved in parts:
        return True
    try:
        return resolved.exists() and db.exists() and os.path.samefile(resolved, db)
    except OSError:
        return False


def _sqlite_path(project: str | os.PathLike | None) -> Path | None:
    if project is None:
        return None
    text = os.fspath(project)
    if "://" not in text:
        return Path(text)
    prefix = "sqlite:///"
    if text.startswith(prefix) and text != "sqlite:///:memory:":
        return Path(text[len(prefix) :].split("?", 1)[0])
    return None


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:  # a regular file (checked by the caller): never blocks
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False
