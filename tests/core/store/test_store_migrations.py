"""Schema migrations: no drift from the models, down and up again, refusal of newer schemas."""

import hashlib
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from core.store import Project, SchemaTooNewError, StoreError, migrations
from core.store.engine import make_engine, to_url
from core.store.models import Base


def _drift(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def test_empty_database_upgraded_to_head_has_no_drift(project_url):
    engine = make_engine(to_url(project_url))
    with engine.begin() as connection:
        migrations.upgrade(connection)
    with engine.connect() as connection:
        assert migrations.revision_of(connection) == migrations.head_revision()
        assert _drift(connection) == []
    engine.dispose()


def test_head_to_base_to_head(project_url):
    engine = make_engine(to_url(project_url))
    with engine.begin() as connection:
        migrations.upgrade(connection)
    with engine.begin() as connection:
        migrations.downgrade(connection, "base")
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
        assert migrations.revision_of(connection) is None
    with engine.begin() as connection:
        migrations.upgrade(connection)
    with engine.connect() as connection:
        assert _drift(connection) == []
    engine.dispose()


def test_head_revision_is_known_and_versions_folder_found():
    head = migrations.head_revision()
    assert migrations.known_revision(head)
    assert not migrations.known_revision("ffffffffffff")
    assert (migrations.migrations_dir() / "env.py").is_file()


def _stamp(db_file, revision: str) -> None:
    connection = sqlite3.connect(db_file)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    connection.close()


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newer_schema_is_refused_and_left_byte_identical(tmp_path):
    db_file = tmp_path / "newer.sphericity"
    Project.create(db_file).close()
    _stamp(db_file, "9999_from_the_future")
    before = _digest(db_file)
    names_before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SchemaTooNewError, match="newer version") as caught:
        Project.open(db_file)
    assert caught.value.revision == "9999_from_the_future"
    assert _digest(db_file) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == names_before  # no backup, no WAL left


def test_open_refuses_missing_file_and_foreign_database(tmp_path):
    with pytest.raises(StoreError, match="no project"):
        Project.open(tmp_path / "missing.sphericity")
    foreign = tmp_path / "foreign.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x INTEGER)")
    connection.close()
    with pytest.raises(StoreError, match="not a Sphericity Studio project"):
        Project.open(foreign)
    text_file = tmp_path / "notes.sphericity"
    text_file.write_text("not a database at all, just some text that is long enough" * 20)
    with pytest.raises(StoreError, match="cannot read"):
        Project.open(text_file)
    with pytest.raises(StoreError, match="cannot read"):
        Project.create(text_file)


def test_create_refuses_to_overwrite(tmp_path):
    db_file = tmp_path / "once.sphericity"
    Project.create(db_file).close()
    with pytest.raises(StoreError, match="not overwriting"):
        Project.create(db_file)


@pytest.mark.sqlite_only
def test_sqlite_connections_get_foreign_keys_wal_and_busy_timeout(project):
    with project.transaction(write=False) as repo:
        connection = repo.session.connection()
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_foreign_keys_are_enforced(project):
    # The store hands out its own error (core.store.errors), never SQLAlchemy's.
    with pytest.raises(StoreError, match=r"(?i)foreign key"), project.transaction() as repo:
        repo.session.execute(
            text(
                "INSERT INTO readings (image_id, annotator_id, landmarks, si, status, note, "
                "version, created_at, updated_at) VALUES (999, 999, '{}', 0.5, 'draft', '', 1, "
                "'2026-01-01', '2026-01-01')"
            )
        )
    assert project.readings() == []


def test_memory_url_works():
    with Project.create("sqlite:///:memory:") as project:
        project.ensure_annotator("bob")
        assert project.annotators()[0][1] == "bob"


def test_migrations_render_for_postgresql():
    """PostgreSQL is the multi-annotator deployment: the migrations must compile for it too."""
    import io

    from alembic import command

    buffer = io.StringIO()
    config = migrations.alembic_config()
    config.set_main_option("sqlalchemy.url", "postgresql://user@host/db")
    config.output_buffer = buffer
    command.upgrade(config, "head", sql=True)
    sql = buffer.getvalue()
    assert "CREATE TABLE readings" in sql
    assert "CONSTRAINT uq_readings_image_id_annotator_id UNIQUE (image_id, annotator_id)" in sql
    assert "ON DELETE CASCADE" in sql and "JSON" in sql
    assert "ALTER TABLE readings ENABLE ROW LEVEL SECURITY" in sql  # migration 0004
