"""The canvas's Qt-free interaction tools: tested with plain points, no window, no Qt."""

import pytest


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Replaces tests/app's Qt settings fixture: the tools keep no settings."""
    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))
