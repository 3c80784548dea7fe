"""core.runs: the run-status vocabulary, the active and the usable run, checkpoints, deletion."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.cli.main import main
from core.runs import (
    ACTIVE_RUN_SETTING,
    active_run,
    active_run_id,
    checkpoint_file,
    delete_run,
    latest_usable_run,
    runs_dir,
    set_active_run,
)
from core.store import Project, StoreError
from core.vocab import RUN_STATUSES


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p.sphericity") as p:
        yield p


def _run(project, status: str, checkpoint: str | None = None) -> int:
    run_id = project.add_run({}, device="cpu", data_snapshot={})
    project.update_run(run_id, status=status, checkpoint_path=checkpoint)
    return run_id


def _file(path, content: bytes = b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# --- the vocabulary -------------------------------------------------------------------------


def test_the_store_refuses_a_status_outside_the_vocabulary(project):
    run_id = project.add_run({}, device="cpu", data_snapshot={})
    with pytest.raises(StoreError, match="run status"):
        project.update_run(run_id, status="finished")
    # and the database itself refuses it (the CHECK constraint of migration 0002)
    with pytest.raises(StoreError, match="CHECK"), project.transaction() as repo:
        repo.session.execute(
            text("UPDATE runs SET status = 'finished' WHERE id = :i"), {"i": run_id}
        )
    assert project.run(run_id).status == "created"


# --- which run --------------------------------------------------------------------------------


def test_active_run_is_the_pick_else_the_newest_finished(project):
    assert active_run(project) is None
    old = _run(project, "done")
    new = _run(project, "done")
    _run(project, "cancelled")
    _run(project, "error")
    _run(project, "running")
    assert active_run_id(project) == new
    set_active_run(project, old)
    assert active_run(project).id == old
    project.delete_run(old)  # a remembered run that is gone no longer counts
    assert active_run_id(project) == new
    with project.transaction(write=False) as repo:  # a Repository works as well as a Project
        assert active_run_id(repo) == new


@settings(max_examples=40, deadline=None)
@given(
    statuses=st.lists(st.sampled_from(RUN_STATUSES), max_size=6),
    pick=st.one_of(st.none(), st.integers(1, 8)),
)
def test_active_run_property(statuses, pick):
    with Project.create("sqlite:///:memory:") as project:
        ids = [_run(project, s) for s in statuses]
        project.set_setting(ACTIVE_RUN_SETTING, pick)
        run = active_run(project)
        finished = [i for i, s in zip(ids, statuses, strict=True) if s == "done"]
        if pick in ids:
            assert run.id == pick
        elif finished:
            assert run.id == max(finished) and run.status == "done"
        else:
            assert run is None


def test_latest_usable_run_needs_a_finished_run_with_its_checkpoint(project):
    folder = runs_dir(project)
    with_file = _run(project, "done", "run-1.pt")
    _file(folder / "run-1.pt")
    _run(project, "done", "run-2.pt")  # its file is gone
    _file(folder / "run-3.pt")
    _run(project, "cancelled", "run-3.pt")  # never chosen by default
    assert latest_usable_run(project).id == with_file


def test_checkpoint_file_relative_and_old_absolute_rows(project, tmp_path):
    folder = runs_dir(project)
    assert folder == tmp_path / "p.sphericity.runs"
    relative = _run(project, "done", "run-1.pt")
    assert checkpoint_file(project, project.run(relative)) == folder / "run-1.pt"
    # an old absolute row of a project since moved: the file of that name in this runs folder
    _file(folder / "run-2.pt")
    moved = _run(project, "done", "/gone/old-place/p.sphericity.runs/run-2.pt")
    assert checkpoint_file(project, project.run(moved)) == folder / "run-2.pt"
    elsewhere = _file(tmp_path / "kept" / "model.pt")
    absolute = _run(project, "done", str(elsewhere))
    assert checkpoint_file(project, project.run(absolute)) == elsewhere
    assert checkpoint_file(project, project.run(_run(project, "error"))) is None


# --- deleting ---------------------------------------------------------------------------------


def test_delete_run_removes_row_files_csvs_and_the_pick(project):
    folder = runs_dir(project)
    run_id = _run(project, "done", "run-1.pt")
    other = _run(project, "done", "run-12.pt")  # run-1's glob must not reach run-12
    mine = [
        _file(folder / "run-1.pt"),
        _file(folder / "run-1.test.csv"),
        _file(folder / "run-1.val.synthetic.csv"),
        _file(folder / "run-1.pt.abc123.tmp"),
    ]
    theirs = [_file(folder / "run-12.pt"), _file(folder / "run-12.test.csv")]
    set_active_run(project, run_id)
    deleted = delete_run(project, run_id)
    assert deleted.was_active and deleted.kept == ()
    assert sorted(deleted.removed) == sorted(mine)
    assert not any(p.exists() for p in mine) and all(p.exists() for p in theirs)
    assert [r.id for r in project.runs()] == [other]
    assert project.get_setting(ACTIVE_RUN_SETTING) is None


def test_delete_run_never_touches_paths_outside_the_runs_folder(project, tmp_path):
    """Issue 11: a row naming an absolute path or a `run-*` folder elsewhere keeps it."""
    outside = tmp_path / "elsewhere"
    loose = _file(outside / "model.pt")
    folder_file = _file(outside / "run-7" / "model.pt")
    sibling = _file(outside / "run-7" / "notes.txt")
    escape = _file(tmp_path / "secret.pt")
    runs_dir(project).mkdir()
    ids = [
        _run(project, "done", str(loose)),
        _run(project, "done", str(folder_file)),
        _run(project, "done", "../secret.pt"),  # relative, but climbing out
    ]
    for run_id in ids:
        deleted = delete_run(project, run_id)
        assert deleted.removed == () and deleted.kept
    assert loose.exists() and folder_file.exists() and sibling.exists() and escape.exists()
    assert project.runs() == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_delete_run_does_not_follow_a_link_out_of_the_runs_folder(project, tmp_path):
    target = _file(tmp_path / "elsewhere" / "precious.pt")
    target_dir = _file(tmp_path / "elsewhere-dir" / "a.txt").parent
    folder = runs_dir(project)
    folder.mkdir()
    (folder / "run-1.pt").symlink_to(target)
    (folder / "run-1").symlink_to(target_dir, target_is_directory=True)
    run_id = _run(project, "done", "run-1.pt")
    deleted = delete_run(project, run_id)
    assert deleted.removed == ()
    assert target.read_bytes() == b"x" and (target_dir / "a.txt").exists()


def test_cli_runs_delete(tmp_path, capsys):
    path = tmp_path / "cli.sphericity"
    with Project.create(path) as project:
        run_id = _run(project, "done", "run-1.pt")
        checkpoint = _file(runs_dir(project) / "run-1.pt")
    assert main(["runs", str(path), "--delete", str(run_id)]) == 0
    assert f"deleted run {run_id}" in capsys.readouterr().out
    assert not checkpoint.exists()
    assert main(["runs", str(path), "--delete", str(run_id)]) == 1
    assert "does not exist" in capsys.readouterr().err
