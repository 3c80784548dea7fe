"""Shared test settings: hypothesis profiles (CI runs more examples), an isolated data folder."""

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
