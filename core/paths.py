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


def log_dir() -> Path:
    """Application logs (never contain identifying data)."""
    return data_dir() / "logs"


def demo_project_path() -> Path:
    return data_dir() / "demo.sphericity"


def runs_dir_for(project_url: str) -> Path:
    """Folder for a project's run files (checkpoints): beside a SQLite project, else in data_dir."""
    from core.store.engine import sqlite_file

    db = sqlite_file(project_url)
    if db is not None:
        return db.with_name(db.name + ".runs")
    import hashlib

    digest = hashlib.sha256(project_url.encode()).hexdigest()[:16]
    return data_dir() / "runs" / digest
