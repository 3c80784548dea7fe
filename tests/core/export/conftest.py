"""Fixtures of the export tests (the builder lives in export_fixtures, a unique module name)."""

from export_fixtures import small_project

__all__ = ["small_project"]
