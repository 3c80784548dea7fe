"""Server roles: on PostgreSQL, group roles, GRANTs and row-level security (no-op on SQLite).

The SQL and what it enforces are in core/store/server_roles.py.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

from alembic import context, op
from core.store import server_roles

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if context.is_offline_mode():  # SQL scripts (alembic upgrade --sql): the public schema
        if op.get_context().dialect.name == "postgresql":
            for statement in server_roles.apply_statements("public"):
                op.execute(statement)
    elif server_roles.is_server(op.get_bind()):
        server_roles.apply(op.get_bind())


def downgrade() -> None:
    if context.is_offline_mode():
        if op.get_context().dialect.name == "postgresql":
            for statement in server_roles.remove_statements("public"):
                op.execute(statement)
    elif server_roles.is_server(op.get_bind()):
        server_roles.remove(op.get_bind())
