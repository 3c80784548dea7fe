"""Run files in the project: run_artifacts (size, sha256) and their chunks; a project id.

A server project keeps its runs' checkpoints in these tables, so every client of the project
finds them (core.runs, core.run_cache); a SQLite project keeps them beside its file as before.
The project id (a random setting) names the project's folder in each client's cache. On a
server, every Sphericity role reads run files and reviewers (who manage runs) write them.

Checkpoints of server runs trained before this revision are still files on the machine that
trained them: core.runs uploads such a file when that machine next uses the run.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:10:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of core.store.server_roles' group names (this revision's grants stay as written).
GROUPS = "sphericity_annotator, sphericity_reviewer, sphericity_clinician"
REVIEWER = "sphericity_reviewer"
TABLES = "run_artifacts, run_artifact_chunks"


def upgrade() -> None:
    op.create_table(
        "run_artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("n_chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size_bytes >= 0 AND n_chunks >= 0", name=op.f("ck_run_artifacts_size")),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_artifacts_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_artifacts")),
        sa.UniqueConstraint("run_id", "name", name=op.f("uq_run_artifacts_run_id_name")),
    )
    op.create_table(
        "run_artifact_chunks",
        sa.Column("artifact_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["run_artifacts.id"],
            name=op.f("fk_run_artifact_chunks_artifact_id_run_artifacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("artifact_id", "seq", name=op.f("pk_run_artifact_chunks")),
    )
    # Made here, once per project, like the pseudonym salt of 0003 (plain SQL: renders offline).
    project_id = secrets.token_hex(16)
    op.execute("DELETE FROM settings WHERE key = 'project_id'")
    op.execute(f"INSERT INTO settings (key, value) VALUES ('project_id', '\"{project_id}\"')")
    if _on_server():
        op.execute(f"GRANT SELECT ON {TABLES} TO {GROUPS}")
        op.execute(f"GRANT INSERT, UPDATE, DELETE ON {TABLES} TO {REVIEWER}")
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE run_artifacts_id_seq TO {REVIEWER}")


def downgrade() -> None:
    # Dropping the tables drops their grants too.
    op.execute("DELETE FROM settings WHERE key = 'project_id'")
    op.drop_table("run_artifact_chunks")
    op.drop_table("run_artifacts")


def _on_server() -> bool:
    # The group roles exist on a server from 0004 on (offline SQL: the PostgreSQL dialect).
    return op.get_context().dialect.name == "postgresql"
