"""Grad-CAM overlay in the window: worker thread, cache per run/image/layer, canvas stays live."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from window_helpers import make_project, open_window

from core.store import Project

pytestmark = pytest.mark.slow  # loads torch and a ResNet50 in the worker thread


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """An untrained ResNet50 checkpoint at 64 px, made here (never downloaded)."""
    import torch

    from model.checkpoint import save_checkpoint
    from model.config import TrainConfig
    from model.network import SIModel

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("run") / "run-1.pt"
    config = TrainConfig(size=64, coarse_size=64, device="cpu").to_dict()
    return save_checkpoint(path, SIModel(), config=config, data_snapshot={}, metrics={})


def _project(tmp_path, checkpoint):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=2)
    with Project.open(path) as project:
        run_id = project.add_run({"epochs": 1}, device="cpu", data_snapshot={})
        project.update_run(run_id, status="done", checkpoint_path=str(checkpoint))
    return path, run_id


def test_overlay_computes_off_the_gui_thread_and_is_cached(qtbot, tmp_path, checkpoint):
    path, run_id = _project(tmp_path, checkpoint)
    window = open_window(qtbot, path, "rita", "reviewer")
    review, canvas = window.review, window.canvas
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    zoom_before = canvas.zoom()
    window.actions["model.gradcam"].trigger()
    assert window.model_box.cam_check.isChecked()
    assert "computing" in window.model_box.cam_status.text()
    canvas.zoom_by(1.25)  # the canvas takes a zoom while the map computes
    assert canvas.zoom() == pytest.approx(zoom_before * 1.25)
    qtbot.waitUntil(canvas.overlay_shown, timeout=60_000)
    timer.stop()
    assert len(ticks) >= 3, "the event loop stalled while the map computed"
    image_id = window.session.image.id
    rgba = review.cam_runner.cached(run_id, image_id, "layer4")
    assert rgba is not None and rgba.shape == (*canvas.pixels().shape, 4)
    assert canvas.overlay_opacity() == pytest.approx(review.cam_opacity)
    window.model_box.opacity_slider.setValue(30)
    assert canvas.overlay_opacity() == pytest.approx(0.30)
    # Another layer is another map; coming back to layer4 is served from the cache.
    window.model_box.layer_box.setCurrentText("layer3")
    assert not canvas.overlay_shown()
    qtbot.waitUntil(canvas.overlay_shown, timeout=60_000)
    assert review.cam_runner.cached(run_id, image_id, "layer3") is not None
    window.model_box.layer_box.setCurrentText("layer4")
    assert canvas.overlay_shown()  # cached: no wait
    # The next image never shows this image's map.
    window.browser.step(1)
    qtbot.waitUntil(lambda: window.session.image.id != image_id)
    assert not canvas.overlay_shown() or review.cam_runner.cached(*review.cam_key()) is not None
    qtbot.waitUntil(canvas.overlay_shown, timeout=60_000)
    window.actions["model.gradcam"].trigger()
    assert not canvas.overlay_shown() and not window.model_box.cam_check.isChecked()
    window.shutdown()
    assert not review.cam_runner._thread.isRunning()


def test_predict_all_from_the_runs_dock_and_its_cancel(qtbot, tmp_path, checkpoint):
    path, run_id = _project(tmp_path, checkpoint)
    window = open_window(qtbot, path, "rita", "reviewer")
    runs = window.show_panel("panel.runs").widget()
    runner = window.review.predict_runner
    with qtbot.waitSignal(runner.finished, timeout=60_000) as cancelled:
        runs.predict_button.click()
        assert runs.predict_cancel_button.isEnabled()
        runs.predict_cancel_button.click()  # at once: the child is still importing torch
    assert cancelled.args[1] is False and "cancelled" in cancelled.args[2]
    assert runs.predict_button.isEnabled() and runs.predict_progress.format() == "stopped"
    assert window.model_box.model_si_label.text() == "—"
    with qtbot.waitSignal(runner.finished, timeout=120_000) as done:
        window.actions["model.predict_all"].trigger()
    assert done.args[:2] == [run_id, True], done.args
    assert len(window.project.predictions(run_id)) == 2
    model = window.browser.model
    assert all(model.data(model.index(r, 7)) for r in range(2))  # the browser's model SI
    assert window.model_box.model_si_label.text() != "—"  # and the inspector's
    assert runs.predict_progress.format() == "done"
