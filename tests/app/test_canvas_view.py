"""ReadingCanvas as a viewer: zoom to cursor, pan, fit / 1:1, window/level, cursor, overlays."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from canvas_helpers import drag_viewport, make_canvas, truth_frame, vp
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def wheel(canvas, pos: QPoint, notches: int) -> None:
    event = QWheelEvent(
        QPointF(pos),
        QPointF(canvas.viewport().mapToGlobal(pos)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), event)


def test_wheel_zoom_keeps_the_point_under_the_cursor(qtbot):
    pixels, spacing, _ = truth_frame()
    canvas, _, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    cursor = vp(canvas, (30.0, 40.0))
    before = canvas.scene_point(QPointF(cursor))
    zoom = canvas.zoom()
    with qtbot.waitSignal(canvas.zoomChanged):
        wheel(canvas, cursor, 5)
    assert canvas.zoom() > zoom * 1.1
    after = canvas.scene_point(QPointF(cursor))
    # Scroll positions are whole screen pixels: the drift is under one screen pixel.
    assert abs(after.x() - before.x()) * canvas.zoom() <= 1.0
    assert abs(after.y() - before.y()) * canvas.zoom() <= 1.0
    wheel(canvas, cursor, -3)
    after = canvas.scene_point(QPointF(cursor))
    assert abs(after.x() - before.x()) * canvas.zoom() <= 1.0


def test_fit_and_actual_size(qtbot):
    pixels, spacing, _ = truth_frame()
    canvas, _, _ = make_canvas(qtbot, size=(400, 400))
    canvas.set_image(pixels, spacing, None)
    rect = canvas.mapFromScene(canvas.image_rect()).boundingRect()
    assert canvas.viewport().rect().adjusted(-1, -1, 1, 1).contains(rect)
    assert max(rect.width(), rect.height()) > 0.9 * 400  # the frame fills the view
    canvas.actual_size()
    assert canvas.zoom() == pytest.approx(1.0)
    canvas.zoom_by(4.0)
    assert canvas.zoom() == pytest.approx(4.0)
    assert canvas._image_item.transformationMode() == Qt.TransformationMode.FastTransformation
    canvas.zoom_by(1 / 16)
    assert canvas._image_item.transformationMode() == Qt.TransformationMode.SmoothTransformation
    canvas.fit()
    assert canvas.mapFromScene(canvas.image_rect()).boundingRect() == rect


def test_middle_drag_and_space_drag_pan(qtbot):
    pixels, spacing, _ = truth_frame()
    canvas, _, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    centre = QPointF(canvas.viewport().rect().center())
    start = canvas.scene_point(centre)
    drag_viewport(canvas, QPoint(300, 300), QPoint(340, 270), Qt.MouseButton.MiddleButton)
    moved = canvas.scene_point(centre)
    assert (start.x() - moved.x()) * canvas.zoom() == pytest.approx(40, abs=1.5)
    assert (start.y() - moved.y()) * canvas.zoom() == pytest.approx(-30, abs=1.5)
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    drag_viewport(canvas, QPoint(300, 300), QPoint(280, 300), Qt.MouseButton.LeftButton)
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    again = canvas.scene_point(centre)
    assert (again.x() - moved.x()) * canvas.zoom() == pytest.approx(20, abs=1.5)


def test_right_drag_changes_the_window(qtbot):
    pixels, spacing, _ = truth_frame()
    canvas, _, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, (800.0, 1000.0))
    seen = []
    canvas.windowChanged.connect(lambda c, w: seen.append((c, w)))
    drag_viewport(canvas, QPoint(200, 200), QPoint(260, 200), Qt.MouseButton.RightButton)
    center, width = canvas.window()
    assert width > 1000.0 and center == pytest.approx(800.0)
    drag_viewport(canvas, QPoint(200, 200), QPoint(200, 240), Qt.MouseButton.RightButton)
    assert canvas.window()[0] > 800.0
    assert seen and seen[-1] == canvas.window()
    # The pixels on screen follow the window: a wider window greys the bright cavity down.
    canvas.set_window(800.0, 4000.0)
    canvas.set_window_preset("full")
    lo, hi = float(pixels.min()), float(pixels.max())
    assert canvas.window() == pytest.approx(((lo + hi) / 2, hi - lo))


def test_cursor_reports_position_and_pixel_value(qtbot):
    pixels, spacing, _ = truth_frame()
    canvas, _, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    with qtbot.waitSignal(canvas.cursorMoved) as blocker:
        QTest.mouseMove(canvas.viewport(), vp(canvas, (20.0, 31.0)))
    x, y, value = blocker.args
    assert (round(x), round(y)) == (20, 31)
    assert value == int(pixels[31, 20])
    with qtbot.waitSignal(canvas.cursorMoved) as blocker:
        QTest.mouseMove(canvas.viewport(), QPoint(2, 2))
    assert blocker.args[2] is None  # off the frame


def test_ghosts_and_overlay(qtbot):
    pixels, spacing, truth = truth_frame()
    canvas, _, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    other = truth.replace(apex=(truth.apex[0] + 5, truth.apex[1] + 3))
    canvas.set_ghosts(
        [("reader 2", QColor("#8ab4f8"), other), ("reader 3", QColor("#c58af9"), truth)]
    )
    assert canvas.ghosts.count == 2 * (1 + 5 + 1)
    canvas.set_ghosts([])
    assert canvas.ghosts.count == 0
    heat = np.zeros((8, 8, 4), np.uint8)
    heat[..., 0] = 255
    heat[..., 3] = 128
    canvas.set_overlay(heat, 0.5)
    overlay = canvas._overlay_item
    assert overlay.isVisible() and overlay.opacity() == pytest.approx(0.5)
    # The coarse map covers the whole frame.
    assert overlay.sceneBoundingRect() == canvas.image_rect()
    canvas.set_overlay(None, 0.0)
    assert not overlay.isVisible()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_qt_binding_keeps_the_refcount_of_none(qtbot):
    """PySide6 6.12.0 on Python 3.11 drops a reference to None per void call: the canvas then
    dies with 'deallocating None' after a few thousand calls. Pin PySide6 != 6.12.0."""
    pixels, spacing, _ = truth_frame()
    canvas, _, _ = make_canvas(qtbot)
    canvas.set_image(pixels, spacing, None)
    before = sys.getrefcount(None)
    for _ in range(200):
        canvas.layer.axis_line.update()
    assert sys.getrefcount(None) - before > -50
