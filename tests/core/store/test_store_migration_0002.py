"""Migration 0002 on the frozen 0001 project: legacy run statuses, relative checkpoints, down."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from core.runs import checkpoint_file
from core.store import Project, migrations
from core.store.engine import make_engine, to_url

DATA = Path(__file__).parent / "data"


@pytest.fixture
def legacy_copy(tmp_path):
    """The frozen 0001 project with rows an earlier build could write: a "finished" run whose
    checkpoint is an absolute path in the runs folder, and runs in statuses no longer known."""
    target = tmp_path / "old.sphericity"
    shutil.copyfile(DATA / "project_0001.sqlite", target)
    inside = f"{target}.runs/run-1.pt"
    connection = sqlite3.connect(target)
    with connection:
        connection.execute("UPDATE runs SET status = 'finished', checkpoint_path = ?", (inside,))
        for status, path in (("succeeded", "/data/elsewhere/run-9.pt"), ("exploded", None)):
            connection.execute(
                "INSERT INTO runs (created_at, status, config, data_snapshot, device, "
                "checkpoint_path, code_version) VALUES ('2026-01-01', ?, '{}', '{}', 'cpu', ?, "
                "'0.0.1')",
                (status, path),
            )
    connection.close()
    return target


def test_legacy_statuses_map_and_checkpoints_become_relative(legacy_copy):
    manifest = json.loads((DATA / "project_0001.json").read_text())
    with Project.open(legacy_copy) as project:
        first, second, third = project.runs()
        assert [r.status for r in (first, second, third)] == ["done", "done", "error"]
        assert first.checkpoint_path == "run-1.pt"
        assert second.checkpoint_path == "/data/elsewhere/run-9.pt"  # not ours: left as it was
        assert checkpoint_file(project, first) == Path(f"{legacy_copy}.runs/run-1.pt")
        # SQLite rebuilt the runs table; the predictions that cascade from it survived
        predictions = {str(k): v for k, v in project.predictions(first.id).items()}
        assert all(p.pop("acquisition") is None for p in predictions.values())  # before 0006
        assert predictions == manifest["predictions"]


def test_downgrade_to_0001_restores_absolute_paths_and_drops_the_check(legacy_copy):
    Project.open(legacy_copy).close()
    engine = make_engine(to_url(legacy_copy))
    with engine.begin() as connection:
        migrations.downgrade(connection, "0001")
    with engine.begin() as connection:
        rows = connection.exec_driver_sql("SELECT status, checkpoint_path FROM runs").all()
        assert rows[0] == ("done", f"{legacy_copy}.runs/run-1.pt")
        connection.exec_driver_sql("UPDATE runs SET status = 'anything'")  # no CHECK at 0001
        n = connection.exec_driver_sql("SELECT count(*) FROM predictions").scalar()
        assert n == len(json.loads((DATA / "project_0001.json").read_text())["predictions"])
    engine.dispose()
