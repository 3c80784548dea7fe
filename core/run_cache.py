"""Run files a server project keeps in its database: uploaded once, cached per client, verified.

Every client of a server project finds a run's checkpoint in the project itself (the store's
run_artifacts, chunked and checksummed). A client that needs the file gets a copy in its own
user data folder, named by the project's id and the file's sha256
(`core.paths.run_cache_dir`): downloaded once, checked against the stored size and sha256, and
checked again the first time each process uses a cached copy. A new or changed file has a new
name, so a cached copy is never stale.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from core.paths import data_dir, run_cache_dir
from core.store.repo_artifacts import ArtifactInfo

if TYPE_CHECKING:
    from core.store.project import Project

PROJECT_ID_SETTING = "project_id"  # random, made by migration 0005
_HASH_BLOCK = 1024 * 1024
# Cached copies this process has hashed and found whole: (path, size, mtime_ns).
_verified: set[tuple[str, int, int]] = set()


def cache_folder(project: Project) -> Path:
    """This client's folder for the project's run files."""
    project_id = project.get_setting(PROJECT_ID_SETTING)
    if not project_id:  # a project not (yet) at schema 0005: named by its location instead
        from core.store.engine import without_password

        project_id = hashlib.sha256(without_password(project.url).encode()).hexdigest()[:32]
    return run_cache_dir(str(project_id))


def cached_path(project: Project, info: ArtifactInfo) -> Path:
    """Where this client keeps (or will keep) its copy of a stored run file."""
    return cache_folder(project) / f"{info.sha256}{Path(info.name).suffix}"


def fetch(project: Project, info: ArtifactInfo) -> Path:
    """A verified local copy of a stored run file, downloaded unless this client has it.

    ArtifactCorruptError (a StoreError) when the project's copy is damaged; nothing is left
    in the cache then.
    """
    target = cached_path(project, info)
    if _is_whole(target, info):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.urandom(4).hex()}.part")
    try:
        with open(part, "wb") as out:
            # One read transaction: the chunks and the checksum come from one snapshot.
            got = project.read_run_artifact(info.run_id, info.name, out)
            out.flush()
            os.fsync(out.fileno())
        target = cached_path(project, got)  # replaced meanwhile: named by what was read
        os.replace(part, target)  # another process fetching the same file writes the same bytes
    finally:
        part.unlink(missing_ok=True)
    _remember(target)
    return target


def upload(project: Project, run_id: int, name: str, path: Path, *, move: bool = True) -> Path:
    """Store a run's file in the project and move (or copy) it into this client's cache, so
    the machine that trained the run never downloads it again; returns the cached path."""
    with open(path, "rb") as stream:
        info = project.put_run_artifact(run_id, name, stream)
    target = cached_path(project, info)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.urandom(4).hex()}.part")
    try:  # whole or not at all under its final name (another process may be reading it)
        if move:
            shutil.move(path, part)  # a rename on one file system, else copied then removed
        else:
            shutil.copyfile(path, part)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    if target.stat().st_size == info.size_bytes:
        _remember(target)  # just hashed on its way in
        return target
    target.unlink(missing_ok=True)  # changed under us: the project's copy is the one to trust
    return fetch(project, info)


def legacy_runs_dir(project: Project) -> Path:
    """Where server runs trained before schema 0005 were written: a folder named by a digest of
    the URL *with* its password (only read, to find such files; never created again)."""
    digest = hashlib.sha256(project.url.encode()).hexdigest()[:16]
    return data_dir() / "runs" / digest


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _is_whole(path: Path, info: ArtifactInfo) -> bool:
    """Whether a cached copy is the stored file; a damaged copy is removed."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return True
    if stat.st_size == info.size_bytes and sha256_of(path) == info.sha256:
        _verified.add(key)
        return True
    path.unlink(missing_ok=True)
    return False


def _remember(path: Path) -> None:
    stat = path.stat()
    _verified.add((str(path), stat.st_size, stat.st_mtime_ns))
