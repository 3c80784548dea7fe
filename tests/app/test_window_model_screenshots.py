"""Screenshots at 1440x900 of the model in the window: training mid-run, Grad-CAM, comparison.

Set SPHERICITY_SCREENSHOTS_DIR=resources/screenshots to refresh the committed images, and
SPHERICITY_SCREENSHOT_CHECKPOINT to a trained run's checkpoint for the Grad-CAM and comparison
shots (the committed ones used the default CPU run on 1,500 phantoms, README "The model");
without it an untrained 64 px network made here stands in, so the test still runs the whole path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from window_helpers import open_window, save_window_png

from app.cli.cmd_gui import SCREENSHOT_SIZE
from core.store import Project

pytestmark = pytest.mark.slow
RUN_TIMEOUT_MS = 180_000


def _generate(path: Path, n: int, seed: int) -> Path:
    args = ["generate", "--project", str(path), "--n", str(n), "--seed", str(seed)]
    subprocess.run(
        [sys.executable, "-m", "app.cli.main", *args], check=True, capture_output=True, timeout=300
    )
    return path


def _save(window, out_dir: Path, name: str) -> Path:
    return save_window_png(window, out_dir, name, SCREENSHOT_SIZE)


def _checkpoint(tmp_path: Path) -> Path:
    given = os.environ.get("SPHERICITY_SCREENSHOT_CHECKPOINT")
    if given:
        return Path(given)
    import torch

    from model.checkpoint import save_checkpoint
    from model.config import TrainConfig
    from model.network import SIModel

    torch.manual_seed(0)
    config = TrainConfig(size=64, coarse_size=64, device="cpu").to_dict()
    return save_checkpoint(
        tmp_path / "untrained.pt", SIModel(), config=config, data_snapshot={}, metrics={}
    )


def test_training_dock_mid_run(qtbot, tmp_path, styled, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    path = _generate(tmp_path / "train.sphericity", 24, 0)
    window = open_window(qtbot, path, "rita", "clinician")
    window.resize(*SCREENSHOT_SIZE)
    dock = window.show_panel("panel.training")
    window.resizeDocks([dock], [440], Qt.Orientation.Horizontal)
    panel = dock.widget()
    for name, value in {"epochs": 4, "size": 64, "coarse_size": 64, "batch": 4}.items():
        panel.form.set_value(name, value)
    panel.form.set_value("threads", 1)
    panel.start_button.click()
    qtbot.waitUntil(lambda: len(panel.curves()["val"]) >= 2, timeout=RUN_TIMEOUT_MS)
    assert panel.is_running()
    _save(window, tmp_path, "training.png")
    with qtbot.waitSignal(panel.runFinished, timeout=RUN_TIMEOUT_MS):
        panel.cancel_button.click()


def test_gradcam_and_comparison(qtbot, tmp_path, styled):
    # Seeds far from the ones a GPU run trains on (0 ..): these frames are held out.
    path = _generate(tmp_path / "review.sphericity", 40, 20_000)
    checkpoint = _checkpoint(tmp_path)
    with Project.open(path) as project:
        run_id = project.add_run({"from": str(checkpoint.name)}, device="cuda", data_snapshot={})
        project.update_run(run_id, status="done", checkpoint_path=str(checkpoint))
    window = open_window(qtbot, path, "rita", "clinician")
    window.resize(*SCREENSHOT_SIZE)
    with qtbot.waitSignal(window.review.predict_runner.finished, timeout=RUN_TIMEOUT_MS) as done:
        window.actions["model.predict_all"].trigger()
    assert done.args[1], done.args
    window.browser.select_row(8)  # one whose model SI differs from the reference
    qtbot.waitUntil(lambda: window.browser.current_image_id() == window.session.image.id)
    window.actions["model.landmarks"].trigger()
    window.actions["model.gradcam"].trigger()
    qtbot.waitUntil(window.canvas.overlay_shown, timeout=RUN_TIMEOUT_MS)
    window.canvas.zoom_by(1.2)
    _save(window, tmp_path, "gradcam.png")
    window.actions["model.gradcam"].trigger()
    comparison = window.show_panel("panel.comparison").widget()
    dock = window.docks.docks["panel.comparison"]
    window.resizeDocks([dock], [430], Qt.Orientation.Vertical)
    QApplication.processEvents()
    window.canvas.fit()
    assert comparison.metrics() is not None
    _save(window, tmp_path, "comparison.png")
