"""Helpers of the window tests: a small project with known landmarks and real mouse gestures."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from app.main_window import MainWindow
from app.session import Identity
from app.settings import AppSettings
from core.geometry import Landmarks, Spacing
from core.phantom import generate_frame
from core.store import Project


@functools.cache
def truth_frames(n: int) -> list[tuple[np.ndarray, Spacing, Landmarks]]:
    """n phantom frames with their exact landmarks."""
    frames = [generate_frame(seed) for seed in range(n)]
    return [(f.pixels, f.spacing, f.landmarks) for f in frames]


def make_project(path: Path, *, n_frames: int = 3) -> tuple[Path, list[Landmarks]]:
    """A project with one series of n_frames frames (frame 0 is ED); returns the truths."""
    truths = []
    with Project.create(path) as project:
        series_id = project.add_series("cine-A", view="4CH", frame_interval_ms=30.0)
        for index, (pixels, spacing, truth) in enumerate(truth_frames(n_frames)):
            project.add_image(
                series_id,
                pixels,
                frame_index=index,
                spacing=spacing,
                view="4CH",
                is_ed=index == 0,
                frame_time_ms=30.0 * index,
            )
            truths.append(truth)
    return path, truths


def open_window(qtbot, path: Path, name: str = "ann", role: str = "annotator", **kw):
    """A shown 1200x800 MainWindow on the project at path, closed when the test ends."""
    project = Project.open(path)
    annotator_id = project.ensure_annotator(name, role)
    window = MainWindow(project, Identity(annotator_id, name, role), AppSettings(), **kw)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    window.start()
    qtbot.waitUntil(lambda: window.session.image is not None)
    return window


def vp(window: MainWindow, point) -> QPoint:
    return window.canvas.viewport_point(QPointF(*point)).toPoint()


def click(window: MainWindow, point) -> None:
    QTest.mouseClick(
        window.canvas.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        vp(window, point),
    )


def drag(window: MainWindow, start, end, *, steps: int = 8) -> None:
    """Left-drag from one image point to another through real mouse events."""
    viewport = window.canvas.viewport()
    a, b = vp(window, start), vp(window, end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        t = i / steps
        QTest.mouseMove(
            viewport, QPoint(round(a.x() + (b.x() - a.x()) * t), round(a.y() + (b.y() - a.y()) * t))
        )
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def place_reading(window: MainWindow, truth: Landmarks) -> None:
    """Guided placement by mouse: apex, hinge A, hinge B, then both width ends dragged."""
    window.canvas.start_placement()
    for point in (truth.apex, truth.hinge_a, truth.hinge_b):
        click(window, point)
    placed = window.session.doc.landmarks
    drag(window, placed.w1, _nearest(placed.w1, truth.w1, truth.w2))
    placed = window.session.doc.landmarks
    drag(window, placed.w2, _nearest(placed.w2, truth.w1, truth.w2))


def _nearest(p, a, b):
    return a if np.hypot(*np.subtract(p, a)) <= np.hypot(*np.subtract(p, b)) else b


def cos_mm(lm: Landmarks, spacing: Spacing) -> float:
    """|cos| of the angle between the long axis and the width in mm space (0 = perpendicular)."""
    mid = ((lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2)
    axis = np.subtract(spacing.to_mm(lm.apex), spacing.to_mm(mid))
    width = np.subtract(spacing.to_mm(lm.w2), spacing.to_mm(lm.w1))
    return abs(float(np.dot(axis, width))) / float(np.linalg.norm(axis) * np.linalg.norm(width))


def save_window_png(window, out_dir: Path, name: str, size: tuple[int, int]) -> Path:
    """Grab the window at `size` into out_dir/name; SPHERICITY_SCREENSHOTS_DIR also gets a copy
    (set it to resources/screenshots to refresh the committed images)."""
    import os
    import shutil

    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    image = window.grab().toImage()
    assert (image.width(), image.height()) == tuple(size)
    path = Path(out_dir) / name
    assert image.save(str(path))
    target = os.environ.get("SPHERICITY_SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path
