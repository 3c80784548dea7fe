"""Errors of the project store, each with a message a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.store.records import ReadingInfo


class StoreError(Exception):
    """Something about the project database went wrong (missing, not a project, bad input)."""


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
