"""The "Model least sure" order: the browser lists the worklist, Next follows it, a reading
re-ranks it; the Training dock fine-tunes the active run in one action."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from window_helpers import drag, open_window, place_reading, truth_frames

from app.panels.training_panel import TrainingPanel
from core.runs import set_active_run
from core.store import Project

# SI head minus SI from landmarks per image (ids 1-3: cine A, 4-6: cine B; ED is frame 0):
# the model doubts image 3 most, then image 5.
GAPS = {1: 0.01, 2: 0.02, 3: 0.20, 4: 0.03, 5: 0.10, 6: 0.06}


def _prediction(image_id: int) -> dict:
    confidence = {n: 0.8 for n in ("apex", "hinge_a", "hinge_b", "w1", "w2")}
    confidence |= {"centre_shift_mm": 0.5, "axis_turn_deg": 0.5, "flags": []}
    return {
        "image_id": image_id,
        "si_regression": 0.55 + GAPS[image_id],
        "si_landmarks": 0.55,
        "confidence": confidence,
    }


@pytest.fixture
def project_path(tmp_path):
    """Two phantom cines of three frames (two subjects), a finished run predicting each frame."""
    path = tmp_path / "w.sphericity"
    frames = truth_frames(6)
    with Project.create(path) as project:
        for s, name in enumerate(("A", "B")):
            series = project.add_series(f"cine-{name}", subject_key=name, view="4CH")
            for k in range(3):
                pixels, spacing, _ = frames[3 * s + k]
                project.add_image(
                    series, pixels, frame_index=k, spacing=spacing, view="4CH", is_ed=k == 0
                )
        run = project.add_run({}, device="cpu", data_snapshot={})
        project.update_run(run, status="done", checkpoint_path=f"run-{run}.pt")
        project.save_predictions(run, [_prediction(i) for i in GAPS])
    return path, [f[2] for f in frames]


def _rows(window) -> list[int]:
    model = window.browser.model
    return [model.image_at(r).id for r in range(model.rowCount())]


def _choose_worklist(window) -> None:
    box = window.browser.filter_box
    box.setCurrentIndex(box.findData("worklist"))


def test_choose_the_order_next_follows_it_and_a_reading_reranks_it(qtbot, project_path, tmp_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    assert window.session.image.id == 1
    _choose_worklist(window)
    # Unread cines are read on their ED frame, ranked by the cine's most doubtful frame; the
    # other frames (closer than the frame gap to it) follow in score order.
    assert _rows(window) == [1, 4, 3, 5, 6, 2]
    assert "least sure first" in window.browser.count_label.text()
    model = window.browser.model
    why = model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole)
    assert why.startswith("model doubt 4.") and "ED frame of a series with no reading" in why
    assert window.browser.current_image_id() == 1
    window.actions["nav.next"].trigger()  # PgDown
    assert window.session.image.id == 4
    window.actions["nav.next_needing"].trigger()  # N follows the worklist too
    assert window.session.image.id == 3
    # Reading image 3 (saved as a draft at once): cine A has a reading now, so its ED frame
    # no longer stands for it; the image just read stays on top until Next.
    place_reading(window, truths[2])
    qtbot.waitUntil(lambda: _rows(window)[0] == 3 and 1 not in _rows(window)[:3])
    assert _rows(window) == [3, 4, 2, 5, 6, 1]
    assert window.browser.current_image_id() == 3
    # more edits of the same reading leave the list as it is (no ranking again per drag)
    resets = []
    window.browser.model.modelReset.connect(lambda: resets.append(1))
    w1 = window.session.doc.landmarks.w1
    drag(window, w1, (w1[0] - 2.0, w1[1]))
    stored = window.project.reading(3, window.identity.annotator_id)
    assert stored.landmarks.w1 != w1  # the drag was saved
    assert resets == [] and _rows(window) == [3, 4, 2, 5, 6, 1]
    window.actions["nav.next"].trigger()
    assert window.session.image.id == 4
    _save_png(window.browser, "browser_worklist.png", tmp_path)
    # Back to all images: the ordinary order, the kept image forgotten
    window.browser.filter_box.setCurrentIndex(window.browser.filter_box.findData("all"))
    assert _rows(window) == [1, 2, 3, 4, 5, 6]


def test_without_predictions_the_order_says_what_to_do(qtbot, project_path):
    path, _ = project_path
    with Project.open(path) as project:
        set_active_run(project, project.add_run({}, device="cpu", data_snapshot={}))
    window = open_window(qtbot, path)
    _choose_worklist(window)
    assert _rows(window) == []
    assert "Predict all" in window.browser.count_label.text()


def test_the_dock_fine_tunes_the_active_run_in_one_action(
    qtbot, project_path, monkeypatch, tmp_path
):
    path, _ = project_path
    with Project.open(path) as project:
        url = project.url
        other = project.add_run({}, device="cpu", data_snapshot={})
        project.update_run(other, status="done", checkpoint_path=f"run-{other}.pt")
    panel = TrainingPanel(url)
    qtbot.addWidget(panel)
    started: list[list[str]] = []
    monkeypatch.setattr(panel._process, "start", started.append)
    panel.form.set_value("epochs", 3)  # the form's settings are for "Start training" only
    panel.finetune_button.click()
    assert started[-1] == ["train", url, "--progress", "jsonl", "--init", str(other)]
    assert not panel.finetune_button.isEnabled() and not panel.start_button.isEnabled()
    panel._set_running(False)
    with Project.open(path) as project:
        set_active_run(project, 1)  # the user picked the first run
    panel.form.set_value("include_submitted", True)
    panel.finetune_button.click()
    assert started[-1][-3:] == ["--init", "1", "--include-submitted"]
    panel._set_running(False)
    panel.resize(420, 900)
    panel.show()
    qtbot.waitExposed(panel)
    _save_png(panel, "training_dock_finetune.png", tmp_path)


def _save_png(widget, name: str, tmp_path: Path) -> Path:
    """Render a widget to PNG to look at (SPHERICITY_SCREENSHOTS_DIR also gets a copy)."""
    QApplication.processEvents()
    image = widget.grab().toImage()
    assert image.width() > 100 and image.height() > 100
    path = tmp_path / name
    assert image.save(str(path))
    target = os.environ.get("SPHERICITY_SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        image.save(str(Path(target) / name))
    return path
