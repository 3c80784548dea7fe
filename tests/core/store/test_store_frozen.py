"""Projects written by earlier schemas keep opening: the frozen 0001 file; backups on upgrade."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from store_helpers import SPACING, frame, landmarks

from core.store import Project, migrations
from core.store.pixels import canonical, content_hash

DATA = Path(__file__).parent / "data"
FROZEN = DATA / "project_0001.sqlite"


@pytest.fixture
def frozen_copy(tmp_path):
    target = tmp_path / "old.sphericity"
    shutil.copyfile(FROZEN, target)
    return target


def _stored_revision(db_file: Path) -> str:
    connection = sqlite3.connect(db_file)
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        connection.close()


def test_frozen_file_is_still_revision_0001():
    assert _stored_revision(FROZEN) == "0001"


def test_frozen_0001_project_upgrades_and_reads(frozen_copy):
    manifest = json.loads((DATA / "project_0001.json").read_text())
    with Project.open(frozen_copy) as project:
        assert project.schema_revision == migrations.head_revision()
        for expected in manifest["images"]:
            info = project.image(expected["id"])
            spacing = None if info.spacing is None else [info.spacing.row_mm, info.spacing.col_mm]
            assert spacing == expected["spacing"]
            assert info.content_hash == expected["content_hash"]
            assert (info.split, info.is_ed, info.dtype) == (
                expected["split"],
                expected["is_ed"],
                expected["dtype"],
            )
            # the pixels decode to exactly what was hashed on import
            assert content_hash(canonical(project.pixels(info.id))) == expected["content_hash"]
        readings = [
            {
                "image_id": r.image_id,
                "annotator": r.annotator_name,
                "si": r.si,
                "si_volumetric": r.si_volumetric,
                "status": r.status,
                "version": r.version,
                "landmarks": r.landmarks.to_dict(),
                "note": r.note,
            }
            for r in project.readings()
        ]
        assert readings == manifest["readings"]
        assert len(project.audit()) == manifest["audit_rows"]
        (run,) = project.runs()
        predictions = {str(k): v for k, v in project.predictions(run.id).items()}
        # Rows stored before migration 0006 have no acquisition score (computed when read).
        assert all(p.pop("acquisition") is None for p in predictions.values())
        assert predictions == manifest["predictions"]
        info = project.info()
        assert {k: info[k] for k in ("series", "images", "readings", "runs")} == {
            k: manifest["info"][k] for k in ("series", "images", "readings", "runs")
        }
        assert len(project.secret) == 64
        # and it keeps working for new data
        alice = next(a for a, name, _ in project.annotators() if name == "alice")
        image, _ = project.add_image(
            project.add_series("new"), frame(77), frame_index=0, spacing=SPACING
        )
        assert project.save_reading(image, alice, landmarks()).version == 1
    backups = list(frozen_copy.parent.glob("*.bak-*"))
    assert len(backups) == (0 if migrations.head_revision() == "0001" else 1)


NEXT_REVISION = '''"""Test-only revision after the real head."""

import sqlalchemy as sa
from alembic import op

revision = "test_next"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("test_extra", sa.Column("id", sa.Integer, primary_key=True))
    {fail}


def downgrade():
    op.drop_table("test_extra")
'''


def _with_next_revision(tmp_path, monkeypatch, fail: str = "") -> str:
    """The real migrations plus one more revision, as a newer version of the app would ship;
    returns the real head."""
    folder = tmp_path / "migrations"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(migrations.migrations_dir(), folder, ignore=ignore)
    head = migrations.head_revision()
    text = NEXT_REVISION.format(head=head, fail=fail)
    (folder / "versions" / "test_next.py").write_text(text)
    monkeypatch.setattr(migrations, "migrations_dir", lambda: folder)
    migrations._script.cache_clear()
    return head


@pytest.fixture(autouse=True)
def _fresh_script_cache():
    migrations._script.cache_clear()
    yield
    migrations._script.cache_clear()


def _project_at_old_head(db_file: Path) -> None:
    """A project as the current version (the next one's predecessor) leaves it."""
    Project.create(db_file).close()


def test_upgrade_backs_up_first_and_only_when_needed(tmp_path, monkeypatch):
    db_file = tmp_path / "p.sphericity"
    _project_at_old_head(db_file)
    old_head = _with_next_revision(tmp_path, monkeypatch)
    with Project.open(db_file) as project:
        assert project.schema_revision == "test_next"
    (backup,) = tmp_path.glob("*.bak-*")
    assert backup.name == f"p.sphericity.bak-{old_head}"
    assert _stored_revision(backup) == old_head
    with Project.open(db_file):  # second open: nothing to upgrade, no new backup
        pass
    assert len(list(tmp_path.glob("*.bak-*"))) == 1


def test_a_failing_upgrade_leaves_the_project_as_it_was(tmp_path, monkeypatch):
    db_file = tmp_path / "p.sphericity"
    _project_at_old_head(db_file)
    old_head = _with_next_revision(tmp_path, monkeypatch, fail='raise RuntimeError("broken")')
    with pytest.raises(RuntimeError, match="broken"):
        Project.open(db_file)
    assert _stored_revision(db_file) == old_head
    connection = sqlite3.connect(db_file)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert "test_extra" not in tables and "readings" in tables  # the DDL was rolled back
    assert len(list(tmp_path.glob("*.bak-*"))) == 1


@pytest.mark.sqlite_only
def test_backups_never_overwrite_each_other(project):
    db_file = Path(project.url.removeprefix("sqlite:///"))
    first = migrations.backup_sqlite(db_file, "r1")
    second = migrations.backup_sqlite(db_file, "r1")
    assert (first.name, second.name) == (f"{db_file.name}.bak-r1", f"{db_file.name}.bak-r1-2")
    with Project.open(second) as copy:
        assert len(copy.secret) == 64
