"""The store on a PostgreSQL server: newer schemas refused untouched, failed upgrades undone."""

import pytest
from sqlalchemy import create_engine, inspect, text

from core.store import Project, SchemaTooNewError, migrations
from core.store.engine import to_url

pytestmark = pytest.mark.usefixtures("pg_server")


@pytest.fixture(autouse=True)
def _fresh_script_cache():
    migrations._script.cache_clear()
    yield
    migrations._script.cache_clear()


@pytest.fixture
def server_url(pg_server) -> str:
    return pg_server.schema_url()


def _fingerprint(url: str) -> dict[str, str]:
    """Every table's full contents (md5 of its rows in key order), read without writing."""
    engine = create_engine(to_url(url))
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            return {
                t: connection.execute(
                    text(
                        f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                        f'FROM "{t}" AS x'
                    )
                ).scalar_one()
                for t in tables
            }
    finally:
        engine.dispose()


def _stamp(url: str, revision: str) -> None:
    engine = create_engine(to_url(url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def _filled(url: str) -> None:
    from store_helpers import SPACING, frame, landmarks

    with Project.create(url) as project:
        reader = project.ensure_annotator("alice")
        image, _ = project.add_image(
            project.add_series("s"), frame(1), frame_index=0, spacing=SPACING
        )
        project.save_reading(image, reader, landmarks())


def test_a_newer_schema_on_the_server_is_refused_untouched(server_url):
    _filled(server_url)
    _stamp(server_url, "9999_from_the_future")
    before = _fingerprint(server_url)
    with pytest.raises(SchemaTooNewError, match="newer version"):
        Project.open(server_url)
    assert _fingerprint(server_url) == before
    assert before["alembic_version"] and "readings" in before


def test_a_failing_upgrade_on_the_server_is_rolled_back(server_url, tmp_path, monkeypatch):
    """PostgreSQL's DDL is transactional: a migration failing halfway leaves no trace."""
    from test_store_frozen import _with_next_revision

    _filled(server_url)
    before = _fingerprint(server_url)
    head = _with_next_revision(tmp_path, monkeypatch, fail='raise RuntimeError("broken")')
    with pytest.raises(RuntimeError, match="broken"):
        Project.open(server_url)
    assert _fingerprint(server_url) == before  # no test_extra table, revision still the old head
    assert "test_extra" not in before and head != "test_next"
