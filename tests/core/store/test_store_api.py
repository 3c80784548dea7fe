"""The store's API as declared: every Repository operation is a Project method, same signature."""

import inspect

from core.store import Project, Repository
from core.store.repository import READ_METHODS, WRITE_METHODS


def _public_operations(cls) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_every_repository_operation_is_classed_read_or_write():
    assert READ_METHODS.isdisjoint(WRITE_METHODS)
    assert _public_operations(Repository) == READ_METHODS | WRITE_METHODS


def test_project_offers_each_operation_with_the_repository_signature():
    for name in READ_METHODS | WRITE_METHODS:
        on_project, on_repository = getattr(Project, name), getattr(Repository, name)
        assert inspect.signature(on_project) == inspect.signature(on_repository), name
        if hasattr(on_project, "__wrapped__"):  # delegated (info is Project's own, plus the URL)
            assert on_project.__doc__ == on_repository.__doc__, name


def test_reads_take_no_write_lock_and_writes_do(tmp_path, monkeypatch):
    with Project.create(tmp_path / "p.sphericity") as project:
        seen = []
        real = Project.transaction

        def spy(self, *, write=True):
            seen.append(write)
            return real(self, write=write)

        monkeypatch.setattr(Project, "transaction", spy)
        project.runs()
        project.set_setting("k", 1)
        assert seen == [False, True]
