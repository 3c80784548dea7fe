"""The `sphericity` command line's tests: no Qt needed (they also run with Qt blocked)."""

import pytest


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Replaces tests/app's Qt settings fixture: the commands keep no Qt settings."""
    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def no_user_weights(tmp_path, monkeypatch):
    """No ResNet50 file from the user's torch cache (results must not depend on it)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
