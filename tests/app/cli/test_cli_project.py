"""`sphericity init` and `sphericity info [--json]` through the CLI dispatcher (no Qt needed)."""

import json
import sqlite3

import pytest

from app.cli.main import main
from core.store import Project, migrations
from tests.core.store.store_helpers import SPACING, frame, landmarks


def test_init_creates_a_project_and_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "new.sphericity"
    assert main(["init", str(target)]) == 0
    assert "created project" in capsys.readouterr().out
    with Project.open(target) as project:
        assert project.schema_revision == migrations.head_revision()
    before = target.read_bytes()
    assert main(["init", str(target)]) == 1
    assert "not overwriting" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_init_suggests_the_suffix(tmp_path, capsys):
    assert main(["init", str(tmp_path / "plain.db")]) == 0
    assert ".sphericity" in capsys.readouterr().err


def test_info_json_counts(tmp_path, capsys):
    target = tmp_path / "p.sphericity"
    with Project.create(target) as project:
        alice = project.ensure_annotator("alice")
        series = project.add_series("s")
        image, _ = project.add_image(series, frame(1), frame_index=0, spacing=SPACING)
        project.save_reading(image, alice, landmarks(), status="submitted")
        project.add_run({"epochs": 1}, device="cpu", data_snapshot={})
    assert main(["info", str(target), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["series"] == 1
    assert summary["images"] == 1
    assert summary["runs"] == 1
    assert summary["readings"] == {"draft": 0, "submitted": 1, "approved": 0, "rejected": 0}
    assert summary["schema_revision"] == migrations.head_revision()


def test_info_text_and_url_form(tmp_path, capsys):
    target = tmp_path / "p.sphericity"
    Project.create(target).close()
    assert main(["info", f"sqlite:///{target}"]) == 0
    out = capsys.readouterr().out
    assert "images    0" in out
    assert migrations.head_revision() in out


def test_info_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["info", str(tmp_path / "missing.sphericity")]) == 1
    assert "no project" in capsys.readouterr().err
    target = tmp_path / "newer.sphericity"
    Project.create(target).close()
    connection = sqlite3.connect(target)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    connection.close()
    assert main(["info", str(target)]) == 1
    assert "newer version" in capsys.readouterr().err


def test_version_shows_the_schema_revision(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert f"schema {migrations.head_revision()}" in capsys.readouterr().out
