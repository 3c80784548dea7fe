"""The project store: one database per project (SQLite by default) behind one repository API."""

from core.store.errors import (
    BusyError,
    ConflictError,
    NotFoundError,
    SchemaTooNewError,
    StoreError,
    UnavailableError,
)
from core.store.models import ROLES, SOURCES, SPLITS, STATUSES, VIEWS
from core.store.project import Project
from core.store.records import AuditEntry, ImageFilter, ImageInfo, ReadingInfo, RunInfo
from core.store.repository import Repository

__all__ = [
    "ROLES",
    "SOURCES",
    "SPLITS",
    "STATUSES",
    "VIEWS",
    "AuditEntry",
    "BusyError",
    "ConflictError",
    "ImageFilter",
    "ImageInfo",
    "NotFoundError",
    "Project",
    "ReadingInfo",
    "Repository",
    "RunInfo",
    "SchemaTooNewError",
    "StoreError",
    "UnavailableError",
]
