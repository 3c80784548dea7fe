"""Alembic environment of the project store: migrates the connection the application hands over.

The application runs migrations from code (core.store.migrations) and passes its own connection
in `config.attributes["connection"]`, already inside a transaction. For writing new revisions by
hand, `sqlalchemy.url` may be set on the Config instead.
"""

from sqlalchemy import create_engine

from alembic import context
from core.store.models import Base

target_metadata = Base.metadata


def _configure(connection) -> None:
    # Batch mode lets later revisions alter SQLite tables (copy-and-move). Note: SQLite
    # connections carry foreign_keys=ON, so a batch move of a referenced table must not drop it.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        _configure(connection)
        context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
