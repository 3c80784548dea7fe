"""Fixtures of the interop tests (the builder lives in interop_fixtures, a unique module name)."""

from interop_fixtures import interop_project, interop_source

__all__ = ["interop_project", "interop_source"]
