"""Repository part for run files kept in the project: stored in chunks, checked by sha256.

A file goes in and comes out as a stream, one chunk at a time, so neither side ever holds a
whole checkpoint in memory. Its size and sha256 are recorded when it is written and checked
when it is read: a damaged or incomplete copy raises ArtifactCorruptError, never passes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from core.store.errors import NotFoundError, StoreError
from core.store.models import Run, RunArtifact, RunArtifactChunk

CHUNK_BYTES = 4 * 1024 * 1024  # small enough for any server's packet limits, few rows per file


class ArtifactCorruptError(StoreError):
    """A run file read back from the project differs from what was stored (size or sha256)."""


@dataclass(frozen=True)
class ArtifactInfo:
    """A run file kept in the project: what it is, without its bytes."""

    run_id: int
    name: str
    size_bytes: int
    sha256: str
    n_chunks: int
    created_at: datetime


def _info(row: RunArtifact) -> ArtifactInfo:
    return ArtifactInfo(
        row.run_id, row.name, row.size_bytes, row.sha256, row.n_chunks, row.created_at
    )


class ArtifactsMixin:
    session: Session

    def put_run_artifact(
        self, run_id: int, name: str, stream: BinaryIO, *, chunk_bytes: int = CHUNK_BYTES
    ) -> ArtifactInfo:
        """Store a run's file read from `stream` (replacing one of that name), in chunks of
        `chunk_bytes`; its size and sha256 are recorded. Visible to others at commit only."""
        if chunk_bytes < 1:
            raise StoreError(f"chunk_bytes must be at least 1; got {chunk_bytes}")
        if self.session.get(Run, run_id) is None:
            raise NotFoundError(f"run {run_id} does not exist")
        self._drop_artifact(run_id, name)
        row = RunArtifact(run_id=run_id, name=name, size_bytes=0, sha256="", n_chunks=0)
        self.session.add(row)
        self.session.flush()
        digest, size, seq = hashlib.sha256(), 0, 0
        while block := stream.read(chunk_bytes):
            digest.update(block)
            size += len(block)
            # A core insert: the ORM would keep every chunk in its identity map until commit.
            self.session.execute(
                insert(RunArtifactChunk), {"artifact_id": row.id, "seq": seq, "data": block}
            )
            seq += 1
        row.size_bytes, row.sha256, row.n_chunks = size, digest.hexdigest(), seq
        self.session.flush()
        return _info(row)

    def run_artifact(self, run_id: int, name: str) -> ArtifactInfo | None:
        """A run's file kept in the project (size, sha256), or None when there is none."""
        row = self._artifact(run_id, name)
        return None if row is None else _info(row)

    def read_run_artifact(self, run_id: int, name: str, out: BinaryIO) -> ArtifactInfo:
        """Write a run's file to `out`, chunk by chunk, and check its size and sha256
        (ArtifactCorruptError when they differ: discard what was written)."""
        row = self._artifact(run_id, name)
        if row is None:
            raise StoreError(f"run {run_id} has no file {name!r} in the project")
        digest, size = hashlib.sha256(), 0
        for seq in range(row.n_chunks):
            block = self.session.scalar(
                select(RunArtifactChunk.data).where(
                    RunArtifactChunk.artifact_id == row.id, RunArtifactChunk.seq == seq
                )
            )
            if block is None:
                raise ArtifactCorruptError(f"run {run_id}'s {name} is missing its part {seq}")
            block = bytes(block)
            digest.update(block)
            size += len(block)
            out.write(block)
        if size != row.size_bytes or digest.hexdigest() != row.sha256:
            raise ArtifactCorruptError(
                f"run {run_id}'s {name} read back as {size} bytes with sha256 "
                f"{digest.hexdigest()[:12]}…; {row.size_bytes} bytes with {row.sha256[:12]}… "
                "were stored: the copy in the project is damaged"
            )
        return _info(row)

    def delete_run_artifacts(self, run_id: int) -> int:
        """Remove every file a run keeps in the project; returns how many there were."""
        return delete_artifacts(self.session, run_id)

    def artifact_chunk_count(self, run_id: int) -> int:
        """How many chunks the run's files occupy in the project (0 once they are deleted)."""
        query = (
            select(func.count())
            .select_from(RunArtifactChunk)
            .join(RunArtifact, RunArtifact.id == RunArtifactChunk.artifact_id)
            .where(RunArtifact.run_id == run_id)
        )
        return int(self.session.scalar(query) or 0)

    def _artifact(self, run_id: int, name: str) -> RunArtifact | None:
        return self.session.scalar(
            select(RunArtifact).where(RunArtifact.run_id == run_id, RunArtifact.name == name)
        )

    def _drop_artifact(self, run_id: int, name: str) -> None:
        row = self._artifact(run_id, name)
        if row is not None:
            self.session.execute(
                delete(RunArtifactChunk).where(RunArtifactChunk.artifact_id == row.id)
            )
            self.session.delete(row)
            self.session.flush()


def delete_artifacts(session: Session, run_id: int) -> int:
    """Remove a run's files and their chunks (also called when the run itself is deleted)."""
    ids = list(session.scalars(select(RunArtifact.id).where(RunArtifact.run_id == run_id)))
    if ids:
        session.execute(delete(RunArtifactChunk).where(RunArtifactChunk.artifact_id.in_(ids)))
        session.execute(delete(RunArtifact).where(RunArtifact.id.in_(ids)))
    return len(ids)
