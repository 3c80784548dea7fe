"""Run files every client finds (core.runs, core.run_cache): a server project keeps checkpoints
in its database and each client reads a verified copy in its own user data folder; a SQLite
project keeps them beside its file. Two clients here are two user data folders."""

import os
from pathlib import Path

import pytest

from core import run_cache
from core.paths import runs_dir_for
from core.runs import (
    checkpoint_file,
    checkpoint_name,
    delete_run,
    has_checkpoint,
    latest_usable_run,
    publish_checkpoint,
    runs_dir,
    runs_in_database,
)
from core.store import Project
from core.store.repo_artifacts import ArtifactCorruptError

CONTENT = os.urandom(3000) * 7  # not a real checkpoint: core never loads it


def _as_client(monkeypatch, home: Path) -> Path:
    """Be another machine: its own user data folder (and no memory of hashed copies)."""
    monkeypatch.setenv("SPHERICITY_HOME", str(home))
    run_cache._verified.clear()
    return home


def _trained_run(project) -> tuple[int, Path]:
    """A finished run whose checkpoint was written and published as the trainer does."""
    run_id = project.add_run({}, device="cpu", data_snapshot={})
    written = runs_dir(project) / checkpoint_name(run_id)
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_bytes(CONTENT)
    published = publish_checkpoint(project, run_id, written)
    project.update_run(run_id, status="done", checkpoint_path=checkpoint_name(run_id))
    return run_id, published


def _count_downloads(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = Project.read_run_artifact

    def counting(self, run_id, name, out):
        calls.append(run_id)
        return real(self, run_id, name, out)

    monkeypatch.setattr(Project, "read_run_artifact", counting)
    return calls


def test_a_run_published_by_one_client_is_used_by_another(project_url, tmp_path, monkeypatch):
    trainer = _as_client(monkeypatch, tmp_path / "gpu-box")
    with Project.create(project_url) as project:
        run_id, published = _trained_run(project)
        server = runs_in_database(project)
        written = runs_dir(project) / checkpoint_name(run_id)
        assert checkpoint_file(project, project.run(run_id)) == published
    assert published.read_bytes() == CONTENT
    if server:  # moved into the trainer's cache: it never downloads its own run
        assert published.is_relative_to(trainer / "cache") and not written.exists()
    else:
        assert published == written  # beside the project file, as before

    annotator = _as_client(monkeypatch, tmp_path / "annotator")
    downloads = _count_downloads(monkeypatch)
    with Project.open(project_url) as project:
        run = latest_usable_run(project)
        assert run is not None and run.id == run_id and has_checkpoint(project, run)
        local = checkpoint_file(project, run)
        assert local is not None and local.read_bytes() == CONTENT
        assert checkpoint_file(project, run) == local  # again: from the cache
    if server:
        assert local.is_relative_to(annotator / "cache") and downloads == [run_id]
    else:
        assert local == published and downloads == []


def test_a_damaged_cached_copy_is_fetched_again(pg_server, tmp_path, monkeypatch):
    url = pg_server.schema_url()
    _as_client(monkeypatch, tmp_path / "gpu-box")
    with Project.create(url) as project:
        run_id, _ = _trained_run(project)
    _as_client(monkeypatch, tmp_path / "annotator")
    with Project.open(url) as project:
        local = checkpoint_file(project, project.run(run_id))
        local.write_bytes(b"\0" * len(CONTENT))  # same size, other bytes
        run_cache._verified.clear()  # a new process
        assert checkpoint_file(project, project.run(run_id)).read_bytes() == CONTENT


def test_a_damaged_stored_copy_is_refused_and_nothing_is_cached(pg_server, tmp_path, monkeypatch):
    from sqlalchemy import text

    url = pg_server.schema_url()
    _as_client(monkeypatch, tmp_path / "gpu-box")
    with Project.create(url) as project:
        run_id, _ = _trained_run(project)
        with project.transaction() as repo:
            repo.session.execute(text("UPDATE run_artifact_chunks SET data = 'x'"))
    _as_client(monkeypatch, tmp_path / "annotator")
    with Project.open(url) as project:
        with pytest.raises(ArtifactCorruptError, match="damaged"):
            checkpoint_file(project, project.run(run_id))
        folder = run_cache.cache_folder(project)
    assert not folder.exists() or not any(folder.iterdir())  # no part file left behind


def test_deleting_a_run_removes_its_stored_and_cached_copies(project_url, tmp_path, monkeypatch):
    _as_client(monkeypatch, tmp_path / "gpu-box")
    with Project.create(project_url) as project:
        run_id, published = _trained_run(project)
        deleted = delete_run(project, run_id)
        assert published in deleted.removed and not published.exists()
        assert deleted.kept == ()
        assert project.run_artifact(run_id, checkpoint_name(run_id)) is None
        assert project.artifact_chunk_count(run_id) == 0


def test_a_server_run_from_before_0005_is_uploaded_by_the_machine_holding_its_file(
    pg_server, tmp_path, monkeypatch
):
    url = pg_server.schema_url()
    _as_client(monkeypatch, tmp_path / "gpu-box")
    with Project.create(url) as project:
        run_id = project.add_run({}, device="cpu", data_snapshot={})
        project.update_run(run_id, status="done", checkpoint_path=checkpoint_name(run_id))
        old = run_cache.legacy_runs_dir(project) / checkpoint_name(run_id)  # the old folder
        old.parent.mkdir(parents=True)
        old.write_bytes(CONTENT)
    _as_client(monkeypatch, tmp_path / "annotator")
    with Project.open(url) as project:
        assert not has_checkpoint(project, project.run(run_id))  # not anywhere it can reach
    _as_client(monkeypatch, tmp_path / "gpu-box")
    with Project.open(url) as project:
        assert checkpoint_file(project, project.run(run_id)).read_bytes() == CONTENT
    assert old.read_bytes() == CONTENT  # copied up, left where it was
    _as_client(monkeypatch, tmp_path / "annotator")
    with Project.open(url) as project:
        assert checkpoint_file(project, project.run(run_id)).read_bytes() == CONTENT


def test_no_folder_of_a_server_project_is_named_from_its_password():
    with_password = "postgresql+psycopg://reviewer:s3cr3t-Pw@db.lab:5432/study"
    without = "postgresql+psycopg://reviewer@db.lab:5432/study"
    folder = runs_dir_for(with_password)
    assert "s3cr3t" not in str(folder)
    assert folder == runs_dir_for(without)  # the same whichever password reaches it
