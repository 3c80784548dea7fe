"""Project locations as SQLAlchemy URLs; engines with the SQLite settings the store relies on."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool, StaticPool

from core.store.errors import StoreError

BUSY_TIMEOUT_MS = 5000
# Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE_OPTION = "sphericity_write"


def to_url(path_or_url: str | os.PathLike) -> URL:
    """A plain path means a SQLite file (made absolute); anything with '://' is a URL."""
    text = os.fspath(path_or_url)
    if "://" in text:
        try:
            return make_url(text)
        except ArgumentError:
            raise StoreError("cannot parse the database URL (expected dialect://...)") from None
    return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))


def sqlite_file(url: URL | str) -> Path | None:
    """The database file of a SQLite URL; None for other back ends and in-memory databases.

    The one place a project URL is taken apart (the runs folder and the window's title use it).
    """
    url = make_url(url) if isinstance(url, str) else url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def without_password(url: URL | str) -> str:
    """The URL as text with no password in it (for names derived from a project's location)."""
    url = make_url(url) if isinstance(url, str) else url
    # Made anew: URL.set(password=None) would keep the password.
    bare = URL.create(
        url.drivername, url.username, None, url.host, url.port, url.database, url.query
    )
    return bare.render_as_string(hide_password=False)


def shown_url(url: URL | str | os.PathLike) -> str:
    """The project's location as shown to people and logs: the password masked as ***."""
    url = url if isinstance(url, URL) else to_url(url)
    return url.render_as_string(hide_password=True)


def is_memory(url: URL | str) -> bool:
    """Whether the URL names an in-memory SQLite database (gone when the project closes)."""
    url = make_url(url) if isinstance(url, str) else url
    return url.get_backend_name() == "sqlite" and (url.database or "") in ("", ":memory:")


def _engine(url: URL, **options) -> Engine:
    """create_engine, with an unknown back end or a missing driver as a StoreError."""
    try:
        return create_engine(url, **options)
    except (ArgumentError, ImportError) as exc:
        shown = url.render_as_string(hide_password=True)
        raise StoreError(
            f"cannot open {shown}: no database driver for '{url.drivername}' ({type(exc).__name__})"
        ) from None


def make_engine(url: URL) -> Engine:
    """An engine for the project; SQLite gets foreign keys, WAL, a busy timeout, real BEGINs."""
    if url.get_backend_name() != "sqlite":
        return _engine(url, pool_pre_ping=True)
    connect_args = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    # One in-memory database must be shared by every session of the project.
    pool = {"poolclass": StaticPool} if is_memory(url) else {}
    engine = create_engine(url, connect_args=connect_args, **pool)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def probe_engine(url: URL) -> Engine:
    """An engine that only reads: no pragmas, so a refused project file stays byte-identical."""
    if url.get_backend_name() != "sqlite":
        return _engine(url, poolclass=NullPool)
    return create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # Take transaction control from the sqlite3 module (it would BEGIN late and lazily), so
    # SQLAlchemy's BEGIN below is the real one and DDL in migrations is transactional too.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL loses no committed transaction when the process dies (only on power loss
    # may the last commits roll back); the kill test in tests/core/store proves the first part.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(connection) -> None:
    # Writers take the lock up front: a deferred read-then-write transaction that meets another
    # writer fails at once with SQLITE_BUSY instead of waiting out the busy timeout.
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
