"""Training runs: which run is active or usable, where its files are, and deleting one.

The one home of these rules; the window, the browser, the export, the CLI and the model call
them. Run statuses are the closed vocabulary `core.vocab.RunStatus` (the database checks it).

Where run files live: a SQLite project keeps them in a folder beside its file (rows store names
relative to it, so the two move together); a server project keeps its checkpoints in its
database, where every client finds them, and each client reads a cached copy
(core.run_cache). `checkpoint_file` gives a path on this machine either way. SQLite keeps
files because its clients share one machine anyway, and a project file that grew by a checkpoint
per run would be copied whole by every backup before a schema upgrade.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Protocol

from core import run_cache
from core.paths import runs_dir_for
from core.store.engine import sqlite_file
from core.store.errors import StoreError
from core.vocab import RunStatus

if TYPE_CHECKING:
    from core.store.project import Project
    from core.store.records import RunInfo

# The project setting that remembers the run the user picked ("Use this run").
ACTIVE_RUN_SETTING = "active_run_id"
# A run that ran to its end. A cancelled run keeps the best checkpoint it reached and may be
# picked by hand, but is never chosen by default.
FINISHED_RUN_STATUSES: tuple[RunStatus, ...] = ("done",)


class RunSource(Protocol):
    """What the run rules read: a Project, or a Repository inside one transaction."""

    def runs(self) -> list[RunInfo]: ...

    def get_setting(self, key: str, default: Any = None) -> Any: ...


def is_finished(run: RunInfo) -> bool:
    """Whether a run ran to its end (status "done")."""
    return run.status in FINISHED_RUN_STATUSES


def latest_finished_run(runs: Iterable[RunInfo]) -> RunInfo | None:
    """The newest run that ran to its end, or None."""
    return max((r for r in runs if is_finished(r)), key=lambda r: r.id, default=None)


def active_run(source: RunSource) -> RunInfo | None:
    """The run whose predictions the window and the export show: the one the user picked
    (while it exists), else the newest finished run; None when there is neither."""
    runs = source.runs()
    chosen = source.get_setting(ACTIVE_RUN_SETTING)
    picked = next((r for r in runs if r.id == chosen), None)
    return picked if picked is not None else latest_finished_run(runs)


def active_run_id(source: RunSource) -> int | None:
    """The id of `active_run`, or None."""
    run = active_run(source)
    return None if run is None else run.id


def set_active_run(project: Project, run_id: int | None) -> None:
    """Remember the run the user picked (None: forget it, the newest finished run is used)."""
    project.set_setting(ACTIVE_RUN_SETTING, run_id)


def latest_usable_run(project: Project) -> RunInfo | None:
    """The newest finished run whose checkpoint is there (what "latest" predicts with)."""
    finished = sorted((r for r in project.runs() if is_finished(r)), key=lambda r: r.id)
    for run in reversed(finished):
        if has_checkpoint(project, run):
            return run
    return None


# --- files ---------------------------------------------------------------------------------------


def runs_dir(project: Project) -> Path:
    """The project's own folder for run files (beside a SQLite project file)."""
    return runs_dir_for(project.url)


def checkpoint_name(run_id: int) -> str:
    """The checkpoint's file name inside the runs folder; what the run row stores."""
    return f"run-{run_id}.pt"


def runs_in_database(project: Project) -> bool:
    """Whether the project keeps its checkpoints in its database (a server project, where
    clients are other machines) rather than in the folder beside its file (SQLite)."""
    return sqlite_file(project.url) is None


def has_checkpoint(project: Project, run: RunInfo) -> bool:
    """Whether the run's checkpoint can be had on this machine, without fetching it."""
    if not run.checkpoint_path:
        return False
    if runs_in_database(project) and project.run_artifact(run.id, checkpoint_name(run.id)):
        return True
    path = _local_checkpoint(project, run)
    return path is not None and path.is_file()


def checkpoint_file(project: Project, run: RunInfo) -> Path | None:
    """The run's checkpoint as a path on this machine, None when the run has none.

    SQLite: rows store it relative to the runs folder, so a project moved with its runs folder
    keeps them; rows from before schema 0002 may hold an absolute path (used when the file is
    there, else the file of that name in this project's runs folder: a moved old project).
    Server: a verified copy of the one kept in the database, fetched into this client's cache
    when it has none (a run trained before schema 0005 is uploaded by the machine holding its
    file). A path that does not exist means the file is nowhere to be found.
    """
    if not run.checkpoint_path:
        return None
    if not runs_in_database(project):
        return _local_checkpoint(project, run)
    info = project.run_artifact(run.id, checkpoint_name(run.id))
    if info is not None:
        return run_cache.fetch(project, info)
    local = _local_checkpoint(project, run)
    if local is not None and local.is_file():
        try:  # copied, not moved: the row may name a file the user keeps elsewhere
            return run_cache.upload(project, run.id, checkpoint_name(run.id), local, move=False)
        except (StoreError, OSError):  # not allowed to upload (an annotator): use it here
            return local
    return local


def publish_checkpoint(project: Project, run_id: int, path: Path) -> Path:
    """Make a run's finished checkpoint usable by every client of the project; returns where
    this machine finds it now. SQLite: the file stays where it is. Server: stored in the
    database (chunked, checksummed) and moved into this client's cache."""
    if not runs_in_database(project):
        return path
    return run_cache.upload(project, run_id, checkpoint_name(run_id), path)


def _local_checkpoint(project: Project, run: RunInfo) -> Path | None:
    """The checkpoint by the file rules (runs folder, old absolute paths); never fetches."""
    stored = run.checkpoint_path
    if not stored:
        return None
    folder = runs_dir(project)
    path = Path(stored)
    if not path.is_absolute():
        found = folder / path
        if runs_in_database(project) and not found.exists():  # written before schema 0005
            legacy = run_cache.legacy_runs_dir(project) / path
            return legacy if legacy.exists() else found
        return found
    if path.exists():
        return path
    moved = folder / path.name
    return moved if moved.exists() else path


def evaluation_csv(project: Project, run: RunInfo, split: str) -> Path:
    """Where `sphericity evaluate` writes a run's per-image rows for a split by default."""
    return runs_dir(project) / f"run-{run.id}.{split}.csv"


# --- deleting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletedRun:
    """What deleting a run did. `kept` names files the run pointed at that were left alone
    because they are not inside the project's runs folder (or are symbolic links)."""

    run_id: int
    removed: tuple[Path, ...]
    kept: tuple[Path, ...]
    was_active: bool


def delete_run(project: Project, run_id: int) -> DeletedRun:
    """Delete a run: its row and predictions, its files (checkpoint, temporary checkpoints,
    evaluation CSVs; a server project's stored copy and this client's cached one) and the
    remembered choice of it as the active run.

    Only paths inside the project's own runs folder (or this client's cache of the project)
    are ever removed, never through a symbolic link: a row that names a file or a `run-*`
    folder elsewhere leaves it untouched. Other clients' cached copies stay until their owners
    clear their caches (they are never used again: the run is gone).
    """
    run = project.run(run_id)
    candidates = _run_paths(project, run)
    with project.transaction() as repo:
        was_active = repo.get_setting(ACTIVE_RUN_SETTING) == run_id
        repo.delete_run(run_id)  # the stored copy too
        if was_active:
            repo.set_setting(ACTIVE_RUN_SETTING, None)
    removed: list[Path] = []
    kept: list[Path] = []
    for path, root in candidates:
        outcome = _remove_inside(path, root)
        if outcome is not None:
            (removed if outcome else kept).append(path)
    return DeletedRun(run_id, tuple(removed), tuple(kept), was_active)


def _run_paths(project: Project, run: RunInfo) -> list[tuple[Path, Path]]:
    """(path, the folder it must lie in) for each file of the run this machine may hold."""
    folder = runs_dir(project)
    paths = sorted(folder.glob(f"run-{run.id}.*")) if folder.is_dir() else []
    paths.append(folder / f"run-{run.id}")  # the folder an earlier trainer made per run
    server = runs_in_database(project)
    legacy = run_cache.legacy_runs_dir(project) if server else None
    checkpoint = _local_checkpoint(project, run)
    if checkpoint is not None and (legacy is None or checkpoint.parent != legacy):
        paths.append(checkpoint)
        if checkpoint.parent.name.startswith("run-"):
            paths.append(checkpoint.parent)
    pairs = [(path, folder) for path in dict.fromkeys(paths)]
    if legacy is not None:
        pairs.append((legacy / checkpoint_name(run.id), legacy))
        info = project.run_artifact(run.id, checkpoint_name(run.id))
        if info is not None:
            pairs.append((run_cache.cached_path(project, info), run_cache.cache_folder(project)))
    return pairs


def _remove_inside(path: Path, root: Path) -> bool | None:
    """Remove `path` if it lies inside `root`: True removed, False refused, None not there."""
    if path.is_symlink():
        return False  # never follow a link, wherever it leads
    if not path.exists():
        return None
    target = path.resolve()  # a parent folder that links out is caught here
    if not _within(target, root.resolve()):
        return False
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    return True


def _within(path: PurePath, root: PurePath) -> bool:
    return path != root and path.is_relative_to(root)
