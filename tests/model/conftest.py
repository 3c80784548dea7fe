"""Model tests import their synthetic data helpers from this folder; no user weights leak in."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def no_user_weights(tmp_path, monkeypatch):
    """Tests never see a ResNet50 file in the user's torch cache (results must not depend on it)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
