"""The application log: a rotating file in the user data folder's logs/, free of identifying data.

Only the project's own loggers (core, model, app) write there: third-party libraries such as
pydicom quote element values in their records. What the project logs never holds identifying
data: a file is named by `safe_name` (its base name, control characters escaped), never by its
folder, which for medical exports often carries a patient's name.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from core.paths import log_dir, printable_name

LOG_FILE = "sphericity.log"
MAX_BYTES = 1_000_000  # per file; a few MB in all is weeks of imports and runs
BACKUP_COUNT = 3
LOGGERS = ("core", "model", "app")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_sphericity_log"  # set on the handler this module installs


def safe_name(path: str | os.PathLike) -> str:
    """A file's name as it may appear in the log: its base name, non-printable characters escaped.

    Escaping keeps one record one line (a name with a newline cannot forge a record).
    """
    return printable_name(os.path.basename(os.fspath(path)))


def configure_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the project's log records to a rotating file; returns the file's path.

    `folder` defaults to the user data folder's logs/. Calling it again replaces the handler
    (one file per process), so it is safe at every start.
    """
    folder = Path(folder) if folder is not None else log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    handler = RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    setattr(handler, _MARK, True)
    stop_logging()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
    return path


def stop_logging() -> None:
    """Remove and close the handler configure_logging installed (tests; a clean exit)."""
    installed = set()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(handler)
            installed.add(handler)
    for handler in installed:
        handler.close()
