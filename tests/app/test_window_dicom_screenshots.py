"""An imported DICOM project at 1440x900 and 1920x1080: readable series labels, training dock.

Set SPHERICITY_SCREENSHOTS_DIR=resources/screenshots to refresh the committed images.
"""

from __future__ import annotations

from pathlib import Path

import pydicom
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from window_helpers import open_window, save_window_png

from core.importer import import_paths
from core.phantom.output import phantom_series, write_files
from core.store import Project

# Three subjects, each with a 4CH and a 2CH cine, as a scanner export names them.
DESCRIPTIONS = ("CINE_4CH_retro", "cine 2ch")


def dicom_project(tmp_path: Path) -> Path:
    """Phantom cines written as DICOM, regrouped into 3 patients, imported as real data."""
    folder = tmp_path / "export"
    write_files(folder, phantom_series(40, 6, 4), dicom=True)
    for path in sorted(folder.glob("*.dcm")):
        ds = pydicom.dcmread(path)
        number = int(path.name.split("_")[0].split("-")[-1]) - 40
        ds.PatientID = f"MRN{90001234 + number // 2}"
        ds.PatientName = f"Doe^Patient{number // 2}"
        ds.SeriesDescription = DESCRIPTIONS[number % 2]
        ds.save_as(path)
    project_path = tmp_path / "dicom.sphericity"
    with Project.create(project_path) as project:
        report = import_paths(project, [folder])
    assert not report.failures and len(report.imported) == 24
    return project_path


MIN_PLOT_PX = 160


def _clipped_labels(widget) -> list[str]:
    """Texts of visible plain labels narrower than the text they show."""
    clipped = []
    for label in widget.findChildren(QLabel):
        if not label.isVisible() or label.wordWrap() or not label.text():
            continue
        if label.textFormat() == Qt.TextFormat.RichText or "<" in label.text():
            continue
        if label.fontMetrics().horizontalAdvance(label.text()) > label.contentsRect().width() + 1:
            clipped.append(label.text())
    return clipped


def test_dicom_project_reads_by_label_at_two_sizes(qtbot, tmp_path, styled):
    path = dicom_project(tmp_path)
    window = open_window(qtbot, path, "rita", "reviewer")
    model = window.browser.model
    labels = {model.data(model.index(row, 0)) for row in range(model.rowCount())}
    assert labels == {
        f"S{s} · series {n} · {v}" for s in (1, 2, 3) for n, v in ((1, "4CH"), (2, "2CH"))
    }
    tooltip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert window.session.image.series_key in tooltip
    assert window.session.image.series_key not in window.inspector.image_label.text()

    dock = window.show_panel("panel.training")
    for size, name in (((1440, 900), "dicom_1440.png"), ((1920, 1080), "dicom_1920.png")):
        window.resize(*size)
        QApplication.processEvents()
        assert _clipped_labels(window.inspector) == []
        viewport = window.inspector.parentWidget()  # the scroll area's viewport
        assert viewport.width() >= window.inspector.minimumSizeHint().width()
        panel = dock.widget()
        assert panel.plot.height() >= MIN_PLOT_PX, panel.plot.height()  # the curves stay legible
        series_column = window.browser.table.columnWidth(0)
        assert all(
            window.browser.table.fontMetrics().horizontalAdvance(label) < series_column
            for label in labels
        )
        save_window_png(window, tmp_path, name, size)
    assert dock.isVisible()


def test_training_log_lines_are_readable():
    from app.panels.training_panel import _describe

    line = _describe({"event": "val", "epoch": 3, "val_loss": 8.454967498779297, "epoch_s": 52.3})
    assert line == "[val] epoch 3, val loss 8.455, epoch s 0:52"
