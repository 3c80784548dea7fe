"""Run status is a closed vocabulary (CHECK); checkpoint paths relative to the runs folder.

Legacy statuses written by earlier builds are mapped onto the vocabulary first: "finished",
"completed" and "succeeded" meant a run that ran to its end ("done"), "canceled" is "cancelled",
and anything else unknown becomes "error" (it cannot be trusted as finished). Absolute checkpoint
paths that lie inside the project's runs folder become relative to it, so a project folder that
is copied or moved keeps its runs; other absolute paths are left as they are (core.runs reads
both).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence
from pathlib import Path, PurePath

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: this revision's vocabulary stays what it was, whatever core.vocab becomes.
RUN_STATUSES = ("created", "running", "done", "cancelled", "error")
LEGACY_STATUSES = {
    "finished": "done",
    "completed": "done",
    "succeeded": "done",
    "canceled": "cancelled",
    "failed": "error",
}
CHECK = "status IN ('created', 'running', 'done', 'cancelled', 'error')"


def upgrade() -> None:
    for old, new in LEGACY_STATUSES.items():
        op.execute(f"UPDATE runs SET status = '{new}' WHERE status = '{old}'")
    known = ", ".join(f"'{s}'" for s in RUN_STATUSES)
    op.execute(f"UPDATE runs SET status = 'error' WHERE status NOT IN ({known})")
    online = not op.get_context().as_sql  # offline: SQL text for a DBA, no rows to read
    if online:
        _rewrite_checkpoints(op.get_bind(), _to_relative)
    with _predictions_kept(online), op.batch_alter_table("runs") as batch:
        batch.create_check_constraint(op.f("ck_runs_status"), sa.text(CHECK))


def downgrade() -> None:
    online = not op.get_context().as_sql
    with _predictions_kept(online), op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_status"), type_="check")
    if online:
        _rewrite_checkpoints(op.get_bind(), _to_absolute)


def _runs_dir(connection) -> Path:
    # core.paths.runs_dir_for is the one home of where a project's run files live.
    from core.paths import runs_dir_for

    return runs_dir_for(connection.engine.url.render_as_string(hide_password=False))


def _to_relative(stored: str, runs_dir: Path) -> str:
    path = PurePath(stored)
    if path.is_absolute() and path.is_relative_to(runs_dir):
        return path.relative_to(runs_dir).as_posix()
    return stored


def _to_absolute(stored: str, runs_dir: Path) -> str:
    return stored if PurePath(stored).is_absolute() else str(runs_dir / stored)


def _rewrite_checkpoints(connection, rewrite) -> None:
    runs_dir = _runs_dir(connection)
    rows = connection.execute(
        sa.text("SELECT id, checkpoint_path FROM runs WHERE checkpoint_path IS NOT NULL")
    ).all()
    for run_id, stored in rows:
        new = rewrite(stored, runs_dir)
        if new != stored:
            connection.execute(
                sa.text("UPDATE runs SET checkpoint_path = :new WHERE id = :id"),
                {"new": new, "id": run_id},
            )


class _predictions_kept:
    """SQLite moves a table to alter it; with foreign keys on, dropping the old runs table
    would cascade to every prediction. Keep them aside and put them back (other back ends
    alter in place and need nothing)."""

    def __init__(self, online: bool) -> None:
        self.sqlite = online and op.get_bind().dialect.name == "sqlite"

    def __enter__(self) -> None:
        if self.sqlite:
            op.execute("DROP TABLE IF EXISTS temp._kept_predictions")
            op.execute("CREATE TEMP TABLE _kept_predictions AS SELECT * FROM predictions")

    def __exit__(self, exc_type, *_rest) -> None:
        if self.sqlite and exc_type is None:
            op.execute("DELETE FROM predictions")
            op.execute("INSERT INTO predictions SELECT * FROM temp._kept_predictions")
            op.execute("DROP TABLE temp._kept_predictions")
