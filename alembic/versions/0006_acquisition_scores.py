"""Predictions keep their acquisition score: the worklist's ranking and the signal behind it.

A JSON column `acquisition` on predictions ({"score", "why", "terms", "flagged", "version"},
core.acquisition), written when a prediction is stored. Rows stored before this revision stay
NULL; the worklist computes their score from their other fields when it reads them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("predictions", sa.Column("acquisition", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Batch mode: SQLite rebuilds the table (nothing references predictions, nothing cascades).
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("acquisition")
