"""Projects left damaged: a creation killed midway, an empty database, two revisions stamped,
a table gone. Each is refused (or repaired) with one clear line, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli.main import main
from core.store import Project, StoreError
from tests.core.imaging.imaging_samples import frame, png_file

REPO = Path(__file__).resolve().parents[3]

KILLED_CREATE = """
import os, signal, sys
from core.store import Project, migrations
real = migrations.upgrade
def dying(connection, target="head"):
    real(connection, target)
    os.kill(os.getpid(), signal.SIGKILL)  # after the schema is written, before the commit
migrations.upgrade = dying
Project.create(sys.argv[1])
"""


def test_a_kill_during_creation_leaves_no_project_file(tmp_path, capsys):
    target = tmp_path / "p.sphericity"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", KILLED_CREATE, str(target)], env=env, cwd=REPO, timeout=120
    )
    assert done.returncode == -9
    assert not target.exists()  # at worst a hidden temporary file beside it
    png_file(tmp_path / "a.png", frame(1, dtype=np.uint8))
    assert main(["import", str(target), "--quiet", str(tmp_path / "a.png")]) == 0
    with Project.open(target) as project:
        assert project.count_images() == 1


@pytest.mark.parametrize("kind", ["zero bytes", "wal database without tables"])
def test_import_makes_a_project_in_an_empty_database(tmp_path, kind, capsys):
    target = tmp_path / "p.sphericity"
    if kind == "zero bytes":
        target.write_bytes(b"")
    else:
        connection = sqlite3.connect(target)
        connection.execute("pragma journal_mode=wal")
        connection.close()
        assert target.stat().st_size > 0
    png_file(tmp_path / "a.png", frame(2, dtype=np.uint8))
    assert main(["import", str(target), "--quiet", str(tmp_path / "a.png")]) == 0
    with Project.open(target) as project:
        assert project.count_images() == 1


def test_a_database_with_foreign_tables_is_never_taken_over(tmp_path, capsys):
    target = tmp_path / "theirs.db"
    connection = sqlite3.connect(target)
    connection.execute("create table notes (text)")
    connection.execute("insert into notes values ('keep me')")
    connection.commit()
    connection.close()
    before = target.read_bytes()
    png_file(tmp_path / "a.png", frame(3, dtype=np.uint8))
    assert main(["import", str(target), "--quiet", str(tmp_path / "a.png")]) == 1
    assert "is not a Sphericity Studio project" in capsys.readouterr().err
    assert target.read_bytes() == before


def _two_revisions(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("insert into alembic_version values ('0001_other')")
    connection.commit()
    connection.close()


def _table_gone(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("pragma foreign_keys=off")
    connection.execute("drop table readings")
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    ("damage", "words"),
    [(_two_revisions, "2 schema revisions stamped"), (_table_gone, "tables readings are missing")],
)
def test_a_damaged_project_is_refused_clearly(tmp_path, damage, words, capsys):
    target = tmp_path / "p.sphericity"
    Project.create(target).close()
    damage(target)
    with pytest.raises(StoreError, match=words):
        Project.open(target)
    for argv in (["info", str(target)], ["export", str(target), "--csv", str(tmp_path / "o.csv")]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
