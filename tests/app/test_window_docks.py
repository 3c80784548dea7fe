"""Model panels docked in the window: built on demand, linked to the browser and each other."""

from __future__ import annotations

from window_helpers import make_project, open_window


def _predict(project, si_by_image: dict[int, float]) -> int:
    run_id = project.add_run({"epochs": 1}, device="cpu", data_snapshot={"images": []})
    project.save_predictions(
        run_id,
        [
            {
                "image_id": i,
                "si_regression": si,
                "si_landmarks": None,
                "landmarks": None,
                "confidence": None,
            }
            for i, si in si_by_image.items()
        ],
    )
    project.update_run(run_id, status="done")
    return run_id


def test_panels_are_built_when_first_shown_and_toggle(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=2)
    window = open_window(qtbot, path, "rita", "clinician")
    assert window.docks.docks == {}  # nothing of torch or plotting loaded for annotating
    for action_id in ("panel.training", "panel.runs", "panel.comparison"):
        window.actions[action_id].trigger()
        dock = window.docks.docks[action_id]
        assert dock.isVisible() and window.actions[action_id].isChecked()
    window.actions["panel.runs"].trigger()
    assert not window.docks.docks["panel.runs"].isVisible()
    assert not window.actions["panel.runs"].isChecked()


def test_model_si_column_follows_the_active_run(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=2)
    window = open_window(qtbot, path, "rita", "clinician")
    ids = [i.id for i in window.project.list_images(limit=10)]
    first = _predict(window.project, {ids[0]: 0.61, ids[1]: 0.62})
    _predict(window.project, {ids[0]: 0.71})
    model = window.browser.model
    model.refresh()
    assert model.data(model.index(0, 7)) == "0.710"  # the latest run that predicted
    window.show_panel("panel.comparison")
    runs = window.show_panel("panel.runs").widget()
    runs.activeRunChanged.emit(first)
    assert model.data(model.index(0, 7)) == "0.610"
    assert model.data(model.index(1, 7)) == "0.620"


def test_comparison_points_open_their_image(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=3)
    window = open_window(qtbot, path, "rita", "reviewer")
    comparison = window.show_panel("panel.comparison").widget()
    target = window.project.list_images(limit=10)[2].id
    comparison.imageRequested.emit(target)
    assert window.session.image.id == target
