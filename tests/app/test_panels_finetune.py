"""Fine-tuning in the training dock: start from an existing run; the runs list shows the parent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.panels.runs_panel import COLUMNS, RunsPanel
from app.panels.training_panel import TrainingPanel
from core.store import Project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "model"))
from synthetic_lv import add_ellipses, ellipse_project

pytestmark = pytest.mark.slow

TINY = {"size": 64, "coarse_size": 64, "fov_mm": 120.0, "batch": 4, "coarse_batch": 2}
RUN_TIMEOUT_MS = 300_000


@pytest.fixture
def tiny_run_project(tmp_path, monkeypatch):
    """A project with one finished tiny run on phantoms and a few readings of 'real' frames."""
    from model.config import TrainConfig
    from model.train import train

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    path = ellipse_project(tmp_path / "P.sphericity")
    with Project.open(path) as project:
        run = train(TrainConfig(**TINY, epochs=1, device="cpu", threads=1), project)
        add_ellipses(project, range(10, 14), source="real")
    return path, run.run_id


def test_fine_tune_from_a_run_in_the_dock_and_the_runs_list_shows_the_parent(
    qtbot, tiny_run_project
):
    path, parent_id = tiny_run_project
    with Project.open(path) as project:
        url = project.url
    panel = TrainingPanel(url)
    qtbot.addWidget(panel)
    labels = [panel.start_from.itemText(k) for k in range(panel.start_from.count())]
    assert labels[:2] == ["ImageNet weights (scratch where none are found)", "scratch"]
    assert any(text.startswith(f"run {parent_id} ") for text in labels)
    panel.start_from.setCurrentIndex(panel.start_from.findData(str(parent_id)))
    for name, value in {"epochs": 1, "epoch_steps": 1, "batch": 4, "threads": 1}.items():
        panel.form.set_value(name, value)
    with qtbot.waitSignal(panel.runFinished, timeout=RUN_TIMEOUT_MS) as done:
        panel.start_button.click()
    assert "--init" in panel.log_view.toPlainText()
    child_id = done.args[0]
    with Project.open(path) as project:
        child = project.run(child_id)
        assert child.status == "done"
        assert child.config["parent_run_id"] == parent_id
        assert child.config["size"] == 64  # the parent's preprocessing, not the default 128
        runs = RunsPanel(project)
        qtbot.addWidget(runs)
        col = COLUMNS.index("From")
        rows = {
            runs.table.item(r, 0).data(Qt.ItemDataRole.UserRole): runs.table.item(r, col).text()
            for r in range(runs.table.rowCount())
        }
    assert rows[child_id] == f"run {parent_id}"
    assert rows[parent_id] == ""
    # The new run is offered as a parent in turn, with its own parent named.
    assert any(
        f"from run {parent_id}" in panel.start_from.itemText(k)
        for k in range(panel.start_from.count())
    )
