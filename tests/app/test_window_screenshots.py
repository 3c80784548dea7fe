"""Screenshots at 1440x900: main window with a reading in progress, review overlays, shortcuts.

Set SPHERICITY_SCREENSHOTS_DIR=resources/screenshots to refresh the committed images.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication
from window_helpers import open_window, place_reading

from app.cli.cmd_gui import SCREENSHOT_SIZE
from app.dialogs.shortcuts import ShortcutsDialog
from core.store import Project


def _shifted(lm, dx, dy):
    return type(lm)(*[(x + dx, y + dy) for x, y in lm.points()])


def build_demo(path: Path):
    """Two phantom cines (ED marked), two readers who submitted on the first ED frame."""
    from core.phantom import generate_cine

    truths = {}
    with Project.create(path) as project:
        for seed in (7, 11):
            cine = generate_cine(seed, n_frames=6)
            series = project.add_series(
                f"phantom-{seed:03d}",
                view=cine.frames[0].view,
                source="synthetic",
                frame_interval_ms=cine.frame_interval_ms,
            )
            for i, frame in enumerate(cine.frames):
                image_id, _ = project.add_image(
                    series,
                    frame.pixels,
                    frame_index=i,
                    spacing=frame.spacing,
                    view=frame.view,
                    source="synthetic",
                    is_ed=i == cine.ed_index,
                    is_es=i == cine.es_index,
                    frame_time_ms=i * cine.frame_interval_ms,
                )
                truths[image_id] = frame.landmarks
        first = next(i for i in project.list_images(limit=100) if i.is_ed)
        truth = truths[first.id]
        bob = truth.replace(apex=(truth.apex[0] + 1.5, truth.apex[1] + 2.0))  # another apex
        dx, dy = (truth.w1[0] - truth.w2[0]) * 0.04, (truth.w1[1] - truth.w2[1]) * 0.04
        carol = truth.replace(  # a wider width, still perpendicular (moved along its own line)
            w1=(truth.w1[0] + dx, truth.w1[1] + dy), w2=(truth.w2[0] - dx, truth.w2[1] - dy)
        )
        for name, moved in (("bob", bob), ("carol", carol)):
            reader = project.ensure_annotator(name, "annotator")
            saved = project.save_reading(first.id, reader, moved)
            project.set_reading_status(
                saved.id, "submitted", by_annotator_id=reader, expected_version=saved.version
            )
    return first.id, truths


def _show(window, image_id, qtbot):
    window.resize(*SCREENSHOT_SIZE)
    window.browser.select_image(image_id)
    qtbot.waitUntil(lambda: window.session.image.id == image_id)
    QApplication.processEvents()


def _save(image: QImage, out_dir: Path, name: str) -> Path:
    path = out_dir / name
    assert image.save(str(path))
    assert (image.width(), image.height()) == SCREENSHOT_SIZE
    target = os.environ.get("SPHERICITY_SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


def test_screenshots(qtbot, tmp_path, styled):
    path = tmp_path / "demo.sphericity"
    image_id, truths = build_demo(path)

    window = open_window(qtbot, path, "ann", "annotator")
    _show(window, image_id, qtbot)
    place_reading(window, truths[image_id])
    window.canvas.zoom_by(1.3)
    QApplication.processEvents()
    background = window.grab().toImage()
    main = _save(background, tmp_path, "main_window.png")
    assert window.session.reading.status == "draft"

    dialog = ShortcutsDialog(window.actions.keys(), window)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 600)
    shot = dialog.grab().toImage()
    composed = background.copy()  # the window as in main_window.png, under the dialog
    painter = QPainter(composed)
    painter.fillRect(composed.rect(), QColor(0, 0, 0, 110))  # the dialog's modal dimming
    offset = QPoint(
        (composed.width() - shot.width()) // 2, (composed.height() - shot.height()) // 2
    )
    painter.drawImage(offset, shot)
    painter.end()
    _save(composed, tmp_path, "shortcuts.png")
    window.close()

    reviewer = open_window(qtbot, path, "rita", "reviewer")
    _show(reviewer, image_id, qtbot)
    reviewer.canvas.zoom_by(1.3)
    reviewer.inspector.readers_table.selectRow(1)
    QApplication.processEvents()
    assert len(reviewer.session.other_readings()) == 3  # bob, carol and ann's draft
    review = _save(reviewer.grab().toImage(), tmp_path, "review.png")
    assert QImage(str(main)).pixel(720, 450) != QImage(str(review)).pixel(5, 5)
