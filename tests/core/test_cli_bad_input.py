"""Every command answers bad input with one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from app.cli.main import main
from core.store import Project
from tests.core.imaging.imaging_samples import frame, png_file


@pytest.fixture
def files(tmp_path):
    """Paths the table refers to by name."""
    project = tmp_path / "p.sphericity"
    Project.create(project).close()
    (tmp_path / "text.txt").write_text("not a database")
    (tmp_path / "zero.sphericity").write_bytes(b"")
    damaged = tmp_path / "damaged.sphericity"
    Project.create(damaged).close()
    connection = sqlite3.connect(damaged)
    connection.execute("insert into alembic_version values ('0001_other')")
    connection.commit()
    connection.close()
    png_file(tmp_path / "a.png", frame(1, dtype=np.uint8))
    return {
        "P": str(project),
        "TEXT": str(tmp_path / "text.txt"),
        "ZERO": str(tmp_path / "zero.sphericity"),
        "DAMAGED": str(damaged),
        "MISSING": str(tmp_path / "missing.sphericity"),
        "PNG": str(tmp_path / "a.png"),
        "OUT": str(tmp_path / "out.csv"),
    }


BAD_INPUTS = [
    ("info", "MISSING"),
    ("info", "TEXT"),
    ("info", "ZERO"),
    ("info", "DAMAGED"),
    ("info", "nosuchdb://somewhere/x"),
    ("info", "a b c://"),
    ("runs", "TEXT"),
    ("runs", "DAMAGED"),
    ("init", "P"),
    ("import", "TEXT", "PNG", "--quiet"),
    ("import", "DAMAGED", "PNG", "--quiet"),
    ("export", "MISSING", "--csv", "OUT"),
    ("export", "DAMAGED", "--csv", "OUT"),
    ("export", "P", "--csv", "P"),
    ("export", "P", "--csv", "TEXT"),
]


@pytest.mark.parametrize("argv", BAD_INPUTS, ids=" ".join)
def test_bad_input_gets_one_clear_line(files, argv, capsys):
    args = [files.get(a, a) for a in argv]
    code = main(args)
    out, err = capsys.readouterr()
    assert code != 0
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"sphericity {argv[0]}: ")
    assert len(lines[0]) > len(f"sphericity {argv[0]}: ") + 10  # says why


def test_a_bug_in_a_command_is_one_line_too(monkeypatch, capsys):
    import app.cli.cmd_project as cmd_project

    def broken(args):
        raise ZeroDivisionError("a bug\nsecond line")

    monkeypatch.setattr(cmd_project, "_info", broken)
    assert main(["info", "whatever"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "sphericity info: unexpected error (ZeroDivisionError: a bug)"
