"""Project: create or open a project database (migrating it safely) and run short transactions."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.store import migrations
from core.store.engine import (
    WRITE_OPTION,
    is_memory,
    make_engine,
    shown_url,
    sqlite_file,
    to_url,
)
from core.store.errors import StoreError, translate
from core.store.repository import READ_METHODS, WRITE_METHODS, Repository

PSEUDONYM_SALT = "pseudonym_salt"  # random, not secret: made by migration 0003

if TYPE_CHECKING:
    # What an editor and the type checker see: every Repository operation is a Project method
    # with the same signature (they are attached below, each in its own transaction;
    # tests/core/store/test_store_api.py checks that the two agree).
    class _Operations(Repository):
        pass

else:

    class _Operations:
        pass


class Project(_Operations):
    """One project database. Every store operation is also a method here, run in its own short
    transaction; `with project.transaction() as repo:` groups several into one."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self.url = url
        self.schema_revision = self._stored_revision()

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def create(cls, path_or_url: str | os.PathLike) -> Project:
        """Make a new, empty project; refuses a database that already holds tables."""
        url = to_url(path_or_url)
        db_file = sqlite_file(url)
        if db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True)
            if not db_file.exists():
                return cls._create_file_atomically(db_file)
        if not is_memory(url) and migrations.probe_revision(url)[0]:
            raise StoreError(f"{_shown(url)} already holds a database; not overwriting it")
        engine = make_engine(url)
        try:
            with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
                migrations.upgrade(connection)
                with Session(bind=connection) as session:
                    repo = Repository(session)
                    repo.set_setting("created_by_version", _app_version())
                    session.flush()
        except DBAPIError as exc:
            engine.dispose()
            raise translate(exc) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, url.render_as_string(hide_password=False))

    @classmethod
    def _create_file_atomically(cls, db_file) -> Project:
        """A new SQLite project built beside its place and linked in whole: a kill during
        creation leaves no file at `db_file` (at worst a hidden temporary file)."""
        tmp = str(db_file.with_name(f".{db_file.name}.{os.urandom(4).hex()}.creating"))
        # Mode 0666 less the umask, as SQLite would have made the file itself.
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        try:
            cls.create(tmp).close()  # closing the last connection folds the WAL into the file
            if any(os.path.exists(tmp + s) for s in ("-wal", "-journal")):
                raise StoreError(f"could not finish creating {db_file} (its journal remained)")
            try:
                os.link(tmp, db_file)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise StoreError(f"{db_file} appeared while the project was created") from None
            except OSError:  # file systems without hard links
                os.replace(tmp, db_file)
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp + suffix)
        return cls.open(db_file)

    @classmethod
    def open(cls, path_or_url: str | os.PathLike) -> Project:
        """Open a project, upgrading an older schema (SQLite: after a backup copy). A schema
        from a newer version raises SchemaTooNewError and leaves the database untouched."""
        url = to_url(path_or_url)
        db_file = sqlite_file(url)
        if db_file is not None and not db_file.is_file():
            raise StoreError(f"there is no project at {db_file}")
        tables, revision = migrations.probe_revision(url)
        migrations.check_revision(url, revision, tables=tables)
        head = migrations.head_revision()
        if revision != head and db_file is not None:
            migrations.backup_sqlite(db_file, str(revision))
        engine = make_engine(url)
        try:
            if revision != head:
                with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
                    # Checked again under the write lock: another process may have upgraded.
                    if migrations.revision_of(connection) != head:
                        migrations.upgrade(connection)
        except DBAPIError as exc:
            engine.dispose()
            raise translate(exc) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, url.render_as_string(hide_password=False))

    def close(self) -> None:
        """Release every connection (SQLite then folds its WAL back into the file)."""
        self._engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Project({self.shown_url!r})"

    @property
    def shown_url(self) -> str:
        """The project's location for people and logs (a server password masked)."""
        return shown_url(self.url)

    # -- transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Repository]:
        """A Repository on one session: commits on normal exit, rolls back on an exception.

        write=False is for pure reads (a consistent snapshot without SQLite's up-front write
        lock); writing in such a transaction may fail at once with 'database is locked'.
        """
        engine = self._write_engine if write else self._engine
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                yield Repository(session)
        except DBAPIError as exc:  # SQLAlchemy's errors never leave the store
            raise translate(exc) from exc

    @property
    def secret(self) -> str:
        """The secret of this project's pseudonymous keys: derived from the key file outside
        the project (core.imaging.deid) and the project's salt; the project never holds it."""
        from core.imaging.deid import project_secret

        salt = self.get_setting(PSEUDONYM_SALT)
        if not salt:
            raise StoreError("the project has no pseudonym salt; it was not made by this version")
        return project_secret(str(salt))

    def info(self) -> dict[str, Any]:
        """What the project holds (series, images, readings by status, runs), its URL and schema."""
        with self.transaction(write=False) as repo:
            summary = repo.info()
        return {"url": _shown(to_url(self.url)), **summary}

    def _stored_revision(self) -> str:
        try:
            with self._engine.connect() as connection:
                revision = migrations.revision_of(connection)
        except DBAPIError as exc:
            raise translate(exc) from exc
        if revision is None:
            raise StoreError(f"{shown_url(self.url)} holds no project")
        return revision


def _shown(url) -> str:
    return shown_url(url)


def _app_version() -> str:
    from core import __version__

    return __version__


def _delegate(name: str, write: bool) -> Callable:
    method = getattr(Repository, name)

    @functools.wraps(method)
    def call(self: Project, *args: Any, **kwargs: Any) -> Any:
        with self.transaction(write=write) as repo:
            return getattr(repo, name)(*args, **kwargs)

    return call


# Each Repository operation as a Project method with its own transaction (explicit lists, so a
# new Repository method must be classed as reading or writing on purpose).
for _name in READ_METHODS | WRITE_METHODS:
    if not hasattr(Project, _name):
        setattr(Project, _name, _delegate(_name, write=_name in WRITE_METHODS))
