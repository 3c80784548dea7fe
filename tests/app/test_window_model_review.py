"""The active run in the window: model SI beside the reading, highlight, landmarks, suggest."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from window_helpers import drag, make_project, open_window

from app.browser import MODEL_DIFFERENCE_BRUSH
from core.edits import SetLandmarks
from core.geometry import LANDMARK_NAMES, Landmarks
from core.store import Project
from core.suggestion import accepted_unchanged, suggestion_unchanged


def _shifted(lm: Landmarks, dx: float) -> Landmarks:
    return Landmarks(**{n: (getattr(lm, n)[0] + dx, getattr(lm, n)[1]) for n in LANDMARK_NAMES})


def _close(a: Landmarks, b: Landmarks) -> bool:
    pairs = [
        (p, q) for n in LANDMARK_NAMES for p, q in zip(*(getattr(a, n), getattr(b, n)), strict=True)
    ]
    return all(abs(p - q) < 1e-9 for p, q in pairs)


def _project_with_run(tmp_path, *, model_si=(0.40, 0.90, 0.55)):
    """Three frames; two approved readers on each; a finished run predicting every frame."""
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=3)
    with Project.open(path) as project:
        readers = [project.ensure_annotator(n, "annotator") for n in ("bob", "carol")]
        ids = [i.id for i in project.list_images(limit=10, order_by="id")]
        for image_id, truth in zip(ids, truths, strict=True):
            for reader in readers:
                project.save_reading(image_id, reader, truth, status="approved")
        run_id = project.add_run({"epochs": 1}, device="cpu", data_snapshot={"n_images": 3})
        project.update_run(run_id, status="done", model_si_kind="regression")
        project.save_predictions(
            run_id,
            [
                {
                    "image_id": image_id,
                    "si_regression": si,
                    "si_landmarks": 0.5,
                    "landmarks": _shifted(truth, 3.0).to_dict(),
                    "confidence": {},
                }
                for image_id, truth, si in zip(ids, truths, model_si, strict=True)
            ],
        )
    return path, truths, ids, run_id


def _key(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press as the user makes it: to the focused canvas of the active window."""
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, key, modifier)


# -- in the window -------------------------------------------------------------------------------


def test_inspector_shows_model_si_beside_mine_and_the_reference(qtbot, tmp_path):
    path, _truths, ids, run_id = _project_with_run(tmp_path)
    window = open_window(qtbot, path, "rita", "reviewer")
    box, project = window.model_box, window.project
    reference = project.reference_si(ids[0])
    assert box.title() == f"Model: run {run_id} (regression head)"
    assert box.model_si_label.text() == "0.400"
    assert box.reference_si_label.text() == f"{reference:.3f}"
    assert box.difference_label.text() == f"{0.40 - reference:+.3f}"
    assert box.my_si_label.text() == "—"  # rita has no reading
    far = abs(0.40 - reference) > 0.05
    assert box.is_highlighted() == far and ("7a1f1f" in box.difference_label.styleSheet()) == far
    model = window.browser.model
    rows = {model.data(model.index(r, 0), Qt.ItemDataRole.UserRole): r for r in range(3)}

    def highlighted(image_id):
        index = model.index(rows[image_id], 0)
        return model.data(index, Qt.ItemDataRole.BackgroundRole) == MODEL_DIFFERENCE_BRUSH

    expected = {
        i: abs(si - project.reference_si(i)) > 0.05
        for i, si in zip(ids, (0.4, 0.9, 0.55), strict=True)
    }
    assert {i: highlighted(i) for i in ids} == expected
    assert any(expected.values()) and not all(expected.values())
    box.threshold_spin.setValue(0.5)  # the user's threshold: fewer rows stand out
    assert {i: highlighted(i) for i in ids} == {
        i: abs(si - project.reference_si(i)) > 0.5
        for i, si in zip(ids, (0.4, 0.9, 0.55), strict=True)
    }
    assert not box.is_highlighted() or abs(0.40 - reference) > 0.5
    window.shutdown()
    again = open_window(qtbot, path, "rita", "reviewer")  # remembered in QSettings
    assert again.model_box.threshold() == pytest.approx(0.5)


def test_a_flagged_prediction_says_why_in_the_model_box(qtbot, tmp_path):
    path, _truths, ids, run_id = _project_with_run(tmp_path)
    with Project.open(path) as project:
        row = project.predictions(run_id)[ids[1]]
        why = "the model's passes disagree (LV centre moved 9 mm, axis turned 30 degrees)"
        project.save_predictions(
            run_id, [{**row, "image_id": ids[1], "confidence": {"apex": 0.1, "flags": [why]}}]
        )
    window = open_window(qtbot, path, "ann", "annotator")
    label = window.model_box.flags_label
    assert window.session.image.id == ids[0] and label.isHidden()
    window.open_image(ids[1])
    qtbot.waitUntil(lambda: window.session.image.id == ids[1])
    assert not label.isHidden() and label.text() == f"Check:\n• {why}"
    window.open_image(ids[0])
    qtbot.waitUntil(lambda: window.session.image.id == ids[0])
    assert label.isHidden()


def test_a_flagged_landmark_prediction_shows_the_regression_heads_value(qtbot, tmp_path):
    path, _truths, ids, run_id = _project_with_run(tmp_path)  # regression head 0.40, 0.90, 0.55
    with Project.open(path) as project:
        project.update_run(run_id, model_si_kind="landmarks")  # landmarks say 0.5 everywhere
        row = project.predictions(run_id)[ids[1]]
        why = ["SI 1.30 is outside 0.3-1.05", "low confidence in the apex or mitral hinges"]
        flagged = {**row, "image_id": ids[1], "confidence": {"flags": why}}
        project.save_predictions(run_id, [flagged])
    window = open_window(qtbot, path, "rita", "reviewer")
    box = window.model_box
    assert box.model_si_label.text() == "0.500" and box.flags_label.isHidden()
    window.open_image(ids[1])
    qtbot.waitUntil(lambda: window.session.image.id == ids[1])
    assert box.model_si_label.text() == "0.900"
    assert box.flags_label.text().endswith("The model SI here is the regression head's.")


def test_annotators_see_model_si_but_no_reference_or_difference(qtbot, tmp_path):
    path, *_ = _project_with_run(tmp_path)
    window = open_window(qtbot, path, "ann", "annotator")
    box = window.model_box
    assert box.model_si_label.text() == "0.400"
    assert box.reference_si_label.isHidden() and box.difference_label.isHidden()
    model = window.browser.model
    assert all(
        model.data(model.index(r, 0), Qt.ItemDataRole.BackgroundRole) is None for r in range(3)
    )


def test_model_landmarks_are_drawn_beside_the_reader_labelled_model(qtbot, tmp_path):
    path, _truths, _ids, _run = _project_with_run(tmp_path)
    window = open_window(qtbot, path, "ann", "annotator")
    assert window.canvas.ghosts.count == 0
    _key(qtbot, window, Qt.Key.Key_G, Qt.KeyboardModifier.ShiftModifier)
    assert window.actions["model.landmarks"].isChecked()
    assert window.model_box.landmarks_check.isChecked()
    assert window.canvas.ghosts.count == 7  # three lines, five markers... as one ghost + label
    labels = [i for i in window.canvas.ghosts._items if hasattr(i, "set_text")]
    assert [label.text for label in labels] == ["model"]
    window.model_box.landmarks_check.setChecked(False)
    assert window.canvas.ghosts.count == 0 and not window.actions["model.landmarks"].isChecked()


def test_suggest_fills_a_new_draft_and_records_what_was_accepted(qtbot, tmp_path):
    path, truths, ids, run_id = _project_with_run(tmp_path)
    window = open_window(qtbot, path, "ann", "annotator")
    predicted = _shifted(truths[0], 3.0)
    _key(qtbot, window, Qt.Key.Key_S)
    reading = window.session.reading
    assert reading is not None and reading.status == "draft"
    # the prediction is the (perpendicular) truth shifted: the draft is it, to rounding
    assert _close(reading.landmarks, predicted)
    assert reading.suggested["run_id"] == run_id
    assert Landmarks.from_dict(reading.suggested["landmarks"]) == reading.landmarks
    assert all(reading.suggested["points"].values())
    assert all(window.canvas.layer.handles[n].suggested for n in LANDMARK_NAMES)
    assert suggestion_unchanged(reading.suggested, reading.landmarks)
    # Fix the apex by mouse: that point is the annotator's own, the others stay accepted.
    drag(window, predicted.apex, truths[0].apex)
    stored = window.project.reading(ids[0], window.identity.annotator_id)
    assert stored.suggested["points"]["apex"] is False
    assert "apex" not in stored.suggested["pending"]
    assert not window.canvas.layer.handles["apex"].suggested
    assert not suggestion_unchanged(stored.suggested, stored.landmarks)
    _key(qtbot, window, Qt.Key.Key_Y)  # confirm the rest
    stored = window.project.reading(ids[0], window.identity.annotator_id)
    assert stored.suggested["pending"] == []
    # The width followed the apex (it stays perpendicular): W1/W2 are not where the model put them.
    assert accepted_unchanged(stored.suggested) == ["hinge_a", "hinge_b"]
    # Reopening the image restores the marks from the stored record.
    window.browser.step(1)
    qtbot.waitUntil(lambda: window.session.image.id == ids[1])
    window.browser.step(-1)
    qtbot.waitUntil(lambda: window.session.image.id == ids[0])
    assert window.session.suggestion.run_id == run_id
    assert not any(window.canvas.layer.handles[n].suggested for n in LANDMARK_NAMES)


def test_suggest_never_replaces_my_reading(qtbot, tmp_path):
    path, truths, ids, _run = _project_with_run(tmp_path)
    window = open_window(qtbot, path, "ann", "annotator")
    mine = _shifted(truths[0], -2.0)
    window.session.push_edit(SetLandmarks(None, mine, text="Place landmarks"))
    window.save_now()
    version = window.session.reading.version
    assert not window.review.suggest()
    reading = window.project.reading(ids[0], window.identity.annotator_id)
    assert reading.landmarks == mine and reading.version == version and not reading.suggested


def test_suggest_without_a_prediction_says_so(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=2)
    window = open_window(qtbot, path, "ann", "annotator")
    assert window.model_box.title().startswith("Model: no run")
    assert not window.review.suggest()
    assert "Predict all" in window.status.currentMessage()
    assert window.session.reading is None


def test_a_degenerate_prediction_is_refused_without_touching_the_doc(qtbot, tmp_path):
    path, truths, ids, run_id = _project_with_run(tmp_path)
    with Project.open(path) as project:
        bad = truths[0].replace(w1=truths[0].w2)  # both width ends on one side: no width
        project.save_predictions(
            run_id,
            [{"image_id": ids[0], "si_regression": 0.5, "si_landmarks": None,
              "landmarks": bad.to_dict(), "confidence": {}}],
        )  # fmt: skip
    window = open_window(qtbot, path, "ann", "annotator")
    assert not window.review.suggest()
    assert "not a valid reading" in window.status.currentMessage()
    assert window.session.doc.landmarks is None and window.session.reading is None
    assert window.session.undo_stack.count() == 0
    assert "apex" in window.canvas.hint().lower()  # placement by hand is still on


def test_ghost_names_at_one_apex_do_not_overlap(qtbot, tmp_path):
    path, truths, _ids, _run = _project_with_run(tmp_path)
    window = open_window(qtbot, path, "rita", "reviewer")
    canvas = window.canvas
    canvas.set_ghosts(
        [("bob", QColor("#f4a261"), truths[0]), ("model", QColor("#ff4fd8"), truths[0])]
    )
    labels = [i for i in canvas.ghosts._items if hasattr(i, "set_text")]
    rects = [
        label.deviceTransform(canvas.viewportTransform()).mapRect(label.boundingRect())
        for label in labels
    ]
    assert len(rects) == 2 and not rects[0].intersects(rects[1])


def test_a_slanted_predicted_width_is_made_perpendicular_before_it_becomes_a_draft(qtbot, tmp_path):
    path, truths, ids, run_id = _project_with_run(tmp_path)
    truth = truths[0]
    slanted = truth.replace(w2=(truth.w2[0], truth.w2[1] + 6.0))  # W2 six pixels off
    with Project.open(path) as project:
        project.save_predictions(
            run_id,
            [
                {
                    "image_id": ids[0],
                    "si_regression": 0.5,
                    "si_landmarks": 0.5,
                    "landmarks": slanted.to_dict(),
                    "confidence": {},
                }
            ],
        )
    window = open_window(qtbot, path, "ann", "annotator")
    _key(qtbot, window, Qt.Key.Key_S)
    reading = window.session.reading
    spacing = window.session.image.spacing
    lm = reading.landmarks
    assert lm.w1 == slanted.w1 and lm.apex == slanted.apex and lm.w2 != slanted.w2
    ax, ay = spacing.to_mm(lm.apex)
    mid = spacing.to_mm(((lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2))
    w1, w2 = spacing.to_mm(lm.w1), spacing.to_mm(lm.w2)
    axis = (ax - mid[0], ay - mid[1])
    width = (w2[0] - w1[0], w2[1] - w1[1])
    cos = (axis[0] * width[0] + axis[1] * width[1]) / (
        (axis[0] ** 2 + axis[1] ** 2) ** 0.5 * (width[0] ** 2 + width[1] ** 2) ** 0.5
    )
    assert abs(cos) < 1e-9
    assert Landmarks.from_dict(reading.suggested["landmarks"]) == lm
