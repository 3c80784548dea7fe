"""The import dialog: work in a QThread, throttled progress, cooperative cancel, failure report."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from window_helpers import make_project, open_window

from app.dialogs.import_dialog import ImportDialog
from core.geometry import Spacing


@dataclass
class Report:
    imported: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    cancelled: bool = False


def slow_importer(gate: threading.Event):
    """Imports one small frame per path into the real project; stops when cancelled."""

    def import_paths(project, paths, *, progress, cancel):
        report = Report()
        series = project.add_series("imported")
        for i, path in enumerate(paths):
            if cancel():
                report.cancelled = True
                break
            if path.endswith(".bad"):
                report.failures.append((path, "not an image"))
            else:
                pixels = np.full((16, 16), i, np.uint16)
                image_id, _ = project.add_image(
                    series, pixels, frame_index=i, spacing=Spacing(1.0, 1.0)
                )
                report.imported.append(image_id)
            progress(i + 1, len(paths), f"imported {path}")
            gate.wait(5.0)
        return report

    return import_paths


def test_import_reports_progress_failures_and_refreshes_the_browser(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path)
    gate = threading.Event()
    gate.set()
    dialog = ImportDialog(
        window.project.url, ["a.png", "b.bad", "c.png"], window, importer=slow_importer(gate)
    )
    dialog.imported.connect(lambda _r: window.browser.model.refresh())
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        dialog.start()
    assert not dialog.running
    assert dialog.status_label.text() == "Done: 2 imported, 0 already in the project, 1 failed"
    assert "b.bad: not an image" in dialog.details.toPlainText()
    assert window.browser.model.rowCount() == 3


def test_cancel_stops_the_import_cooperatively(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path)
    gate = threading.Event()
    dialog = ImportDialog(
        window.project.url, [f"{i}.png" for i in range(50)], window, importer=slow_importer(gate)
    )
    qtbot.addWidget(dialog)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.running)
    dialog.reject()  # the Cancel button: sets the flag, the dialog stays open
    assert dialog.running and dialog.report is None  # refused to close mid-file
    gate.set()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.report.cancelled
    assert len(dialog.report.imported) < 50
    assert dialog.status_label.text().startswith("Cancelled:")


def test_real_importer_imports_png_files(qtbot, tmp_path):
    from PIL import Image

    files = []
    for i in range(3):
        file = tmp_path / f"frame{i}.png"
        Image.fromarray(np.full((32, 32), 40 * i, np.uint8)).save(file)
        files.append(str(file))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path)
    dialog = window.run_import([*files, str(tmp_path / "broken.png")])
    qtbot.waitUntil(lambda: dialog.report is not None or bool(dialog.error), timeout=20_000)
    assert dialog.error == ""
    assert len(dialog.report.failures) == 1
    assert window.browser.model.rowCount() == 4
