"""Pseudonym key out of the project: drop the stored secret, add a random (public) salt.

Subject and series keys were HMACs under a secret kept in the settings table, so the project file
alone let anyone test guessed PatientIDs against them. From this revision the secret is derived
from a key file outside the project (core.imaging.deid) and this salt. Keys already stored stay
as they are; with the secret gone nobody can recompute or test them any more.

On SQLite, secure_delete overwrites the deleted row's bytes in the file instead of leaving them
in a free page. (The backup made before this upgrade, <project>.bak-<revision>, still holds the
old secret: the README says to delete it once the upgraded project is checked.)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:20:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_settings = sa.table("settings", sa.column("key", sa.String(100)), sa.column("value", sa.JSON()))


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("PRAGMA secure_delete = ON")
    # No salt exists before this revision: it is made here, once per project.
    op.execute(_settings.delete().where(_settings.c.key.in_(["secret", "pseudonym_salt"])))
    _insert("pseudonym_salt", secrets.token_hex(16))


def downgrade() -> None:
    # The old secret is gone for good: a downgraded project gets a new one (its stored keys
    # cannot be recomputed under it either way).
    op.execute(_settings.delete().where(_settings.c.key == "pseudonym_salt"))
    _insert("secret", secrets.token_hex(32))


def _insert(key: str, hex_text: str) -> None:
    # Plain SQL with a JSON string literal: renders offline (SQL scripts) as well as online.
    assert key.isidentifier() and all(c in "0123456789abcdef" for c in hex_text)
    op.execute(f"INSERT INTO settings (key, value) VALUES ('{key}', '\"{hex_text}\"')")
