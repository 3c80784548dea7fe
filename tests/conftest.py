"""Shared test settings: hypothesis profiles, an isolated data folder, the store's back ends.

Tests that take `backend` (directly or through `project_url`) run once on SQLite and once on a
real PostgreSQL server started for the session (tests/pg_server.py); `@pytest.mark.sqlite_only`
keeps a test on SQLite. Without PostgreSQL binaries (or psycopg) the server runs are skipped,
except under CI=true or SPHERICITY_REQUIRE_PG=1, where they fail: CI must test both.
"""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True, scope="session")
def session_user_data_folder(tmp_path_factory):
    """The whole session gets one user data folder of its own (the installation's pseudonym key
    lives there), never the real one; Qt tests narrow it further per test."""
    import os

    before = {
        name: os.environ.get(name) for name in ("SPHERICITY_HOME", "SPHERICITY_SITE_KEY_FILE")
    }
    os.environ["SPHERICITY_HOME"] = str(tmp_path_factory.mktemp("user-data"))
    os.environ.pop("SPHERICITY_SITE_KEY_FILE", None)
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def isolated_data_folder(tmp_path, monkeypatch):
    """Every test gets its own user data folder; a log file a command opened is closed after."""
    from core.logs import stop_logging

    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))
    yield
    stop_logging()


@pytest.fixture(autouse=True)
def no_flushed_denormals():
    """Undo model.device.choose_device's flush-to-zero after a test that ran it in this thread.

    The CPU flag outlives the test: hypothesis then refuses to draw floats in every later test
    ("we can't represent subnormal floats"). Without torch loaded there is nothing to undo.
    """
    yield
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_flush_denormal(False)


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("backend", ["sqlite"] if only else list(BACKENDS))


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole session (started on first use, removed at the end)."""
    from pg_server import ServerUnavailable, start_server

    try:
        server = start_server()
    except ServerUnavailable as exc:
        if _required():
            pytest.fail(f"CI must test PostgreSQL too: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        yield server
    finally:
        server.remove()


def _required() -> bool:
    """CI (or .ci/run's SPHERICITY_REQUIRE_PG) must test the server: a missing one fails."""
    flags = (os.environ.get("CI", ""), os.environ.get("SPHERICITY_REQUIRE_PG", ""))
    return any(flag.lower() in ("1", "true", "yes") for flag in flags)


@pytest.fixture
def project_url(backend, tmp_path, request) -> str:
    """Where a new project goes: a SQLite file, or a fresh, empty schema on the server."""
    if backend == "sqlite":
        return str(tmp_path / "test.sphericity")
    return request.getfixturevalue("pg_server").schema_url()
