"""Done-when: the whole model loop through the real window on a small phantom project.

Train one epoch at 64 px from the training dock (a real `sphericity train` child), predict all,
show the Grad-CAM overlay, fill the comparison, export the CSV and parse it back; then a run
cancelled from the dock leaves the project consistent. No network: training starts from scratch
(TORCH_HOME points at an empty folder).
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from window_helpers import open_window

from core.runs import checkpoint_file
from core.store import Project

pytestmark = pytest.mark.slow

TINY = {"epochs": 1, "size": 64, "coarse_size": 64, "batch": 8, "threads": 1}
RUN_TIMEOUT_MS = 150_000


@pytest.fixture
def phantom_project(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))  # no cached weights either
    path = tmp_path / "P.sphericity"
    subprocess.run(
        [sys.executable, "-m", "app.cli.main", "generate", "--project", str(path), "--n", "24"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


class _Ticker:
    """Counts QTimer ticks: proof that the event loop keeps turning."""

    def __init__(self, interval_ms: int = 50) -> None:
        self.ticks = 0
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(interval_ms)

    def _tick(self) -> None:
        self.ticks += 1


def _train(qtbot, window, **values):
    panel = window.show_panel("panel.training").widget()
    for name, value in {**TINY, **values}.items():
        panel.form.set_value(name, value)
    panel.start_button.click()
    return panel


def _readings_state(project) -> list[tuple]:
    return sorted((r.id, r.version, r.status, r.landmarks, r.si) for r in project.readings())


def test_train_predict_overlay_compare_export(qtbot, tmp_path, phantom_project):
    window = open_window(qtbot, phantom_project, "rita", "clinician")
    ticker = _Ticker()
    training = window.show_panel("panel.training").widget()
    with qtbot.waitSignal(training.runFinished, timeout=RUN_TIMEOUT_MS) as done:
        panel = _train(qtbot, window)
        qtbot.waitUntil(lambda: bool(panel.curves()["train"]), timeout=RUN_TIMEOUT_MS)
    ticks_during_run = ticker.ticks
    assert ticks_during_run >= 5, "the window froze during training"
    run_id = done.args[0]
    run = window.project.run(run_id)
    assert run.status == "done" and checkpoint_file(window.project, run).is_file()
    assert run.checkpoint_path == f"run-{run_id}.pt"  # relative: the project may move
    assert window.review.run.id == run_id  # the new run became the active one
    assert "run" in panel.status_label.text().lower()

    # Predict all from the runs dock.
    runs = window.show_panel("panel.runs").widget()
    with qtbot.waitSignal(window.review.predict_runner.finished, timeout=RUN_TIMEOUT_MS) as pred:
        runs.predict_button.click()
        assert not runs.predict_button.isEnabled() and runs.predict_cancel_button.isEnabled()
    assert pred.args[:2] == [run_id, True]
    predictions = window.project.predictions(run_id)
    assert len(predictions) == window.project.count_images()
    model = window.browser.model
    column = [model.data(model.index(r, 7)) for r in range(model.rowCount())]
    assert all(text for text in column)  # the model SI column filled in
    assert window.model_box.model_si_label.text() != "—"
    assert runs.predict_progress.format() == "done"

    # Grad-CAM overlay and the model's landmarks on the current image.
    window.actions["model.gradcam"].trigger()
    window.actions["model.landmarks"].trigger()
    qtbot.waitUntil(window.canvas.overlay_shown, timeout=RUN_TIMEOUT_MS)
    assert window.canvas.ghosts.count >= 7

    # Comparison of model against reference SI.
    comparison = window.show_panel("panel.comparison").widget()
    metrics = comparison.metrics()
    assert metrics is not None
    assert comparison.title.text().startswith(f"Run {run_id}:")

    # Export the CSV and parse it back.
    out = tmp_path / "images.csv"
    window.export_to(str(out), per="image")
    with out.open(encoding="utf-8-sig", newline="") as fh:  # a BOM for spreadsheets
        rows = list(csv.DictReader(fh))
    assert len(rows) == window.project.count_images()
    for row in rows:
        predicted = predictions[int(row["image_id"])]
        assert int(row["model_run_id"]) == run_id
        assert float(row["model_si_regression"]) == pytest.approx(predicted["si_regression"])
        assert row["reference_si"]
    ticker.timer.stop()


def test_a_cancelled_run_leaves_the_project_consistent(qtbot, tmp_path, phantom_project):
    window = open_window(qtbot, phantom_project, "rita", "clinician")
    before = _readings_state(window.project)
    panel = _train(qtbot, window, epochs=20)
    qtbot.waitUntil(lambda: panel.progress.value() >= 1, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(panel.runFinished, timeout=RUN_TIMEOUT_MS):
        panel.cancel_button.click()
    run = window.project.runs()[-1]
    assert run.status == "cancelled"
    checkpoint = checkpoint_file(window.project, run)
    if checkpoint is not None and checkpoint.exists():
        from model.checkpoint import load_checkpoint

        load_checkpoint(checkpoint)  # loadable, not half written
    assert not list(Path(f"{phantom_project}.runs").glob("*.tmp"))
    assert _readings_state(window.project) == before
    window.shutdown()
    with sqlite3.connect(phantom_project) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Project.open(phantom_project) as project:
        assert _readings_state(project) == before
