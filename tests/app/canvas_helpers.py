"""Shared helpers of the canvas tests: a frame with known landmarks and real mouse gestures."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest

from app.canvas import ReadingCanvas
from app.undo import EditCommand
from core.edits import ReadingDoc
from core.geometry import Landmarks, Spacing
from core.phantom import generate_frame


def ellipse_frame(
    rows: int = 160, cols: int = 128, spacing: Spacing | None = None
) -> tuple[np.ndarray, Spacing, Landmarks]:
    """A bright elliptic cavity in dark tissue, with its exact landmarks (a stand-in phantom).

    The long axis is vertical: apex at the top of the ellipse, hinges at the ends of a chord near
    its bottom, width = the horizontal diameter (the maximal width) at the centre row.
    """
    spacing = spacing or Spacing(1.6, 1.4)
    cy, cx, ry, rx = rows * 0.5, cols * 0.5, rows * 0.32, cols * 0.25
    yy, xx = np.mgrid[0:rows, 0:cols]
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    rng = np.random.default_rng(4)
    pixels = (300 + 900 * inside + rng.normal(0, 20, (rows, cols))).clip(0).astype(np.uint16)
    hinge_y = cy + ry * 0.8
    half_chord = rx * np.sqrt(1 - 0.8**2)
    truth = Landmarks(
        apex=(cx, cy - ry),
        hinge_a=(cx - half_chord, hinge_y),
        hinge_b=(cx + half_chord, hinge_y),
        w1=(cx - rx, cy),
        w2=(cx + rx, cy),
    )
    return pixels, spacing, truth


def truth_frame():
    """A phantom frame with its exact landmarks."""
    frame = generate_frame(3)
    return frame.pixels, frame.spacing, frame.landmarks


def make_canvas(qtbot, *, size=(640, 560)):
    """A shown canvas whose edits go through a real QUndoStack onto a ReadingDoc."""
    canvas = ReadingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    doc = ReadingDoc()
    stack = QUndoStack(canvas)
    canvas.editRequested.connect(lambda edit: stack.push(EditCommand(doc, edit)))
    return canvas, doc, stack


def vp(canvas: ReadingCanvas, point) -> QPoint:
    """The viewport pixel showing an image point."""
    return canvas.viewport_point(QPointF(*point)).toPoint()


def click(canvas, point, button=Qt.MouseButton.LeftButton) -> None:
    QTest.mouseClick(canvas.viewport(), button, Qt.KeyboardModifier.NoModifier, vp(canvas, point))


def drag(canvas, start, end, *, steps: int = 8, button=Qt.MouseButton.LeftButton, release=True):
    """Press at start, move in steps to end (image points), release."""
    viewport = canvas.viewport()
    a, b = vp(canvas, start), vp(canvas, end)
    QTest.mousePress(viewport, button, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        t = i / steps
        p = QPoint(round(a.x() + (b.x() - a.x()) * t), round(a.y() + (b.y() - a.y()) * t))
        QTest.mouseMove(viewport, p)
    if release:
        QTest.mouseRelease(viewport, button, Qt.KeyboardModifier.NoModifier, b)


def drag_viewport(canvas, a: QPoint, b: QPoint, button, steps: int = 6) -> None:
    viewport = canvas.viewport()
    QTest.mousePress(viewport, button, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        t = i / steps
        QTest.mouseMove(
            viewport, QPoint(round(a.x() + (b.x() - a.x()) * t), round(a.y() + (b.y() - a.y()) * t))
        )
    QTest.mouseRelease(viewport, button, Qt.KeyboardModifier.NoModifier, b)


def cos_mm(lm: Landmarks, spacing: Spacing) -> float:
    """|cos| of the angle between the long axis and the width, in mm space."""
    mid = ((lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2)
    ax = np.subtract(spacing.to_mm(lm.apex), spacing.to_mm(mid))
    wx = np.subtract(spacing.to_mm(lm.w2), spacing.to_mm(lm.w1))
    return abs(float(np.dot(ax, wx))) / (np.linalg.norm(ax) * np.linalg.norm(wx))
