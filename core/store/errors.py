"""Errors of the project store, each with a message a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

    from core.store.records import ReadingInfo


class StoreError(Exception):
    """Something about the project database went wrong (missing, not a project, bad input)."""


def check_text(value: str, what: str) -> str:
    """`value` if both backends can store it: PostgreSQL's text refuses the NUL character, so a
    project refuses it everywhere (a SQLite project moved to a server must not lose it)."""
    if "\x00" in value:
        raise StoreError(f"{what} contains a NUL character (\\x00), which cannot be stored")
    return value


class NotFoundError(StoreError, LookupError):
    """The asked-for image, reading, run or series does not exist in the project."""


class SchemaTooNewError(StoreError):
    """The project was written by a newer Sphericity Studio; it is left untouched."""

    def __init__(self, url: str, revision: str, head: str) -> None:
        super().__init__(
            f"the project {url} has schema revision {revision!r}, which this version of "
            f"Sphericity Studio does not know (its newest is {head!r}); it was probably made by "
            "a newer version. Update Sphericity Studio to open it. The project was not changed."
        )
        self.revision = revision
        self.head = head


class ConflictError(StoreError):
    """A reading changed since it was loaded; `stored` holds what is in the project now."""

    def __init__(self, message: str, stored: ReadingInfo | None) -> None:
        super().__init__(message)
        self.stored = stored


class BusyError(StoreError):
    """Another program or window held the project's write lock past the busy timeout; nothing
    was written, and trying again later may work."""


class UnavailableError(StoreError):
    """The database could not be read or written (disk, permissions, connection lost)."""


# SQLite and PostgreSQL words for "someone else holds the lock".
_BUSY_WORDS = ("database is locked", "database is busy", "could not obtain lock", "deadlock")


def translate(exc: DBAPIError) -> StoreError:
    """The store's own error for a database driver's error.

    SQLAlchemy's exceptions never leave the store: callers catch StoreError and its kinds.
    """
    from sqlalchemy.exc import IntegrityError, OperationalError

    detail = str(exc.orig) if exc.orig is not None else str(exc)
    if isinstance(exc, OperationalError) and any(w in detail.lower() for w in _BUSY_WORDS):
        return BusyError(
            "the project is busy: another window or program is writing to it. Nothing was "
            f"written; try again in a moment ({detail})"
        )
    if isinstance(exc, IntegrityError):
        return StoreError(f"the project refused the change: {detail}")
    return UnavailableError(f"the project could not be read or written: {detail}")
