"""ReadingCanvas driven by real mouse events: placement, drags, undo, Esc, lock, suggestions."""

from __future__ import annotations

import math

import pytest
from canvas_helpers import click, cos_mm, drag, ellipse_frame, make_canvas, truth_frame, vp
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from core.edits import ReadingDoc
from core.geometry import Spacing, measure


def drag_nearer_width_end(canvas, target) -> None:
    """Drag whichever width end lies nearer the target onto it (as an annotator would)."""
    lm = canvas.doc().landmarks
    ends = sorted((lm.w1, lm.w2), key=lambda p: math.dist(p, target))
    drag(canvas, ends[0], target)


def test_place_five_landmarks_by_mouse_gives_the_true_si(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    hints = []
    canvas.hintChanged.connect(hints.append)
    canvas.set_doc(doc, locked=False)
    assert "apex" in canvas.hint().lower()
    with qtbot.waitSignal(canvas.dragFinished):
        click(canvas, truth.apex)
        assert "hinge point A" in canvas.hint()
        click(canvas, truth.hinge_a)
        assert "hinge point B" in canvas.hint()
        click(canvas, truth.hinge_b)
    assert doc.landmarks is not None and stack.count() == 1
    assert stack.undoText() == "Place landmarks"
    assert cos_mm(doc.landmarks, spacing) < 1e-9  # the automatic width is perpendicular
    drag_nearer_width_end(canvas, truth.w1)
    drag_nearer_width_end(canvas, truth.w2)
    assert stack.count() == 3
    assert abs(measure(doc.landmarks, spacing).si - measure(truth, spacing).si) < 0.02
    assert any("Click the apex" in h for h in hints)


def test_dragging_a_width_handle_keeps_it_perpendicular_in_mm(qtbot):
    pixels, _, truth = truth_frame()
    spacing = Spacing(1.9, 1.2)  # strongly anisotropic: perpendicular in px would be wrong
    canvas, doc, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    doc.landmarks = truth
    canvas.set_doc(doc, locked=False)
    for name, target in (("w1", (truth.w1[0] - 6, truth.w1[1] + 9)), ("w2", (truth.w2[0], 40.0))):
        drag(canvas, getattr(doc.landmarks, name), target)
        assert doc.landmarks != truth
        assert cos_mm(doc.landmarks, spacing) < 1e-9
    drag(canvas, doc.landmarks.apex, (truth.apex[0] + 12, truth.apex[1] + 3))
    assert cos_mm(doc.landmarks, spacing) < 1e-9


def test_one_drag_is_one_undo_step_and_undo_redo_restore_exactly(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    doc.landmarks = truth
    canvas.set_doc(doc, locked=False)
    edits = []
    canvas.editRequested.connect(edits.append)
    with qtbot.waitSignal(canvas.dragFinished):
        drag(canvas, truth.apex, (truth.apex[0] + 9, truth.apex[1] - 7), steps=12)
    assert len(edits) >= 10  # the doc followed the mouse ...
    assert stack.count() == 1  # ... and the drag is one step
    dragged = doc.landmarks
    assert dragged.apex != truth.apex
    stack.undo()
    assert doc.landmarks == truth
    stack.redo()
    assert doc.landmarks == dragged


def test_escape_cancels_a_drag_and_leaves_no_undo_step(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    doc.landmarks = truth
    canvas.set_doc(doc, locked=False)
    drag(canvas, truth.hinge_a, (truth.hinge_a[0] - 8, truth.hinge_a[1] + 5), release=False)
    assert doc.landmarks != truth
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert doc.landmarks == truth
    QTest.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=vp(canvas, truth.apex))
    assert stack.count() == 0


def test_escape_cancels_the_placement_in_progress(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    canvas.set_doc(doc, locked=False)
    click(canvas, truth.apex)
    click(canvas, truth.hinge_a)
    assert "hinge point B" in canvas.hint()
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert "apex" in canvas.hint().lower()  # back to the first step, nothing stored
    assert doc.landmarks is None and stack.count() == 0
    for point in (truth.apex, truth.hinge_a, truth.hinge_b):
        click(canvas, point)
    assert doc.landmarks is not None and doc.landmarks.apex == pytest.approx(truth.apex, abs=0.6)


def test_a_locked_reading_refuses_every_edit(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    doc.landmarks = truth
    canvas.set_doc(doc, locked=True)
    edits = []
    canvas.editRequested.connect(edits.append)
    assert "locked" in canvas.hint().lower()
    drag(canvas, truth.w1, (truth.w1[0] - 10, truth.w1[1]))
    canvas.start_placement()
    click(canvas, truth.apex)
    canvas.snap_width_to_mid_length()
    assert edits == [] and doc.landmarks == truth and stack.count() == 0
    canvas.set_locked(False)
    drag(canvas, truth.w1, (truth.w1[0] - 10, truth.w1[1]))
    assert doc.landmarks != truth


def test_moving_a_suggested_point_clears_its_mark(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, _, stack = make_canvas(qtbot)
    doc = ReadingDoc(landmarks=truth, suggested={"apex": True, "w1": True})
    canvas.editRequested.disconnect()
    from app.undo import EditCommand

    canvas.editRequested.connect(lambda edit: stack.push(EditCommand(doc, edit)))
    canvas.set_image(pixels, spacing, None)
    canvas.set_doc(doc, locked=False)
    assert canvas.layer.handles["apex"].suggested and canvas.layer.handles["w1"].suggested
    drag(canvas, truth.apex, (truth.apex[0] + 4, truth.apex[1] + 4))
    assert not canvas.layer.handles["apex"].suggested
    assert canvas.layer.handles["w1"].suggested
    canvas.confirm_suggestions()
    assert doc.suggested is None and not canvas.layer.handles["w1"].suggested
    stack.undo()
    assert canvas.layer.handles["w1"].suggested


def test_measurements_update_while_dragging_and_say_px_without_spacing(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    doc.landmarks = truth
    canvas.set_doc(doc, locked=False)
    before = canvas.reading.summary()["lines"][0]
    assert "mm" in before and "SI" in before
    drag(canvas, truth.w2, (truth.w2[0] + 6, truth.w2[1]), release=False)
    during = canvas.reading.summary()["lines"][0]
    assert during != before
    assert canvas.layer.width_label.text.endswith("mm")
    QTest.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton)
    canvas.set_image(pixels, None, None)
    line = canvas.reading.summary()["lines"][0]
    assert "px" in line and "spacing unknown" in line and "mm" not in line


def test_snap_width_to_mid_length_is_one_edit(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    doc.landmarks = truth
    canvas.set_doc(doc, locked=False)
    canvas.snap_width_to_mid_length()
    assert stack.count() == 1 and cos_mm(doc.landmarks, spacing) < 1e-9
    stack.undo()
    assert doc.landmarks == truth


def test_three_clicks_place_the_width_at_the_maximal_cavity_width(qtbot):
    pixels, spacing, truth = ellipse_frame()  # its maximal width is known exactly
    canvas, doc, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    canvas.set_doc(doc, locked=False)
    for point in (truth.apex, truth.hinge_a, truth.hinge_b):
        click(canvas, point)
    width_mm = measure(doc.landmarks, spacing).width_mm
    assert width_mm == pytest.approx(measure(truth, spacing).width_mm, abs=2 * spacing.col_mm)
    assert abs(measure(doc.landmarks, spacing).si - measure(truth, spacing).si) < 0.02


def test_a_degenerate_click_is_refused_and_asked_again(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, doc, stack = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    canvas.set_doc(doc, locked=False)
    click(canvas, truth.apex)
    click(canvas, truth.hinge_a)
    click(canvas, truth.hinge_a)  # hinge B on hinge A
    assert doc.landmarks is None and stack.count() == 0
    assert "hinge point B" in canvas.hint()
    click(canvas, truth.hinge_b)
    assert doc.landmarks is not None and stack.count() == 1
