"""Alembic, run from code: where the migrations live, the head revision, upgrades and backups."""

from __future__ import annotations

import importlib.util
import sqlite3
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from alembic import command
from core.store.engine import probe_engine
from core.store.errors import SchemaTooNewError, StoreError

# A non-editable install ships the alembic/ folder as this package (see pyproject.toml).
INSTALLED_PACKAGE = "sphericity_migrations"


def migrations_dir() -> Path:
    """The folder holding env.py and versions/: the source tree this code runs from, else the
    installed package."""
    import core

    # The checkout first: an editable install of another checkout in the same environment must
    # not hand this code that checkout's migrations.
    source_tree = Path(core.__file__).resolve().parents[1] / "alembic"
    if (source_tree / "env.py").is_file():
        return source_tree
    spec = importlib.util.find_spec(INSTALLED_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise StoreError(f"the schema migrations are missing (looked for {source_tree}/env.py)")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this version of Sphericity Studio knows."""
    head = _script().get_current_head()
    if head is None:
        raise StoreError("no schema migrations found")
    return head


def known_revision(revision: str) -> bool:
    """Whether a revision stored in a project is one of ours."""
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown or malformed ids
        return False


def revision_of(connection: Connection) -> str | None:
    """The schema revision stamped in a database (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


def has_tables(connection: Connection) -> bool:
    return bool(inspect(connection).get_table_names())


def probe_revision(url: URL) -> tuple[bool, str | None]:
    """(has any tables, stored revision) read without changing anything in the database."""
    engine = probe_engine(url)
    try:
        with engine.connect() as connection:
            return has_tables(connection), revision_of(connection)
    except DBAPIError as exc:
        shown = url.render_as_string(hide_password=True)
        raise StoreError(f"cannot read {shown} as a database: {exc.orig}") from exc
    finally:
        engine.dispose()


def check_revision(url: URL, revision: str | None, *, tables: bool) -> None:
    """Refuse databases we cannot open: not a project, or written by a newer schema."""
    if revision is None:
        what = "is not a Sphericity Studio project" if tables else "holds no project"
        raise StoreError(f"{url.render_as_string(hide_password=True)} {what}")
    if not known_revision(revision):
        raise SchemaTooNewError(url.render_as_string(hide_password=True), revision, head_revision())


def upgrade(connection: Connection, target: str = "head") -> None:
    """Migrate on the caller's connection, inside the caller's transaction."""
    command.upgrade(alembic_config(connection), target)


def downgrade(connection: Connection, target: str) -> None:
    """Migrate down on the caller's connection (tests and recovery only)."""
    command.downgrade(alembic_config(connection), target)


def backup_sqlite(db_file: Path, revision: str) -> Path:
    """Copy a SQLite project (WAL included) to `<file>.bak-<revision>` before an upgrade."""
    target = db_file.with_name(f"{db_file.name}.bak-{revision}")
    n = 1
    while target.exists():  # never overwrite an earlier backup: it may be the only good copy
        n += 1
        target = db_file.with_name(f"{db_file.name}.bak-{revision}-{n}")
    source = sqlite3.connect(db_file, timeout=5.0)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # consistent even while others write; includes the WAL
        finally:
            copy.close()
    finally:
        source.close()
    return target
