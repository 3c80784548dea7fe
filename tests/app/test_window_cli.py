"""`sphericity gui PROJECT --screenshot PNG`, the start-up choice and File → Export CSV."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from window_helpers import make_project, open_window, place_reading

from app.cli import cmd_gui
from app.cli.main import main
from app.main_window import MainWindow
from app.settings import AppSettings
from core.store import Project


@pytest.fixture
def keep_style(qapp):
    sheet, style = qapp.styleSheet(), qapp.style().name()
    yield
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)


def test_gui_screenshot_renders_the_loaded_project_at_1440x900(qtbot, tmp_path, keep_style):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=2)
    out = tmp_path / "shots" / "main.png"
    assert main(["gui", str(path), "--screenshot", str(out), "--annotator", "sam"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1440, 900)
    assert len({image.pixel(x, 450) for x in range(0, 1440, 7)}) > 20  # not a blank window
    settings = AppSettings()
    assert settings.last_project() == str(path.resolve())
    assert settings.annotator() is None  # --annotator is for this run only
    with Project.open(path) as project:
        assert ("sam", "annotator") in [(n, r) for _, n, r in project.annotators()]
    QApplication.processEvents()


def test_bare_sphericity_opens_the_last_project(qtbot, tmp_path, keep_style, monkeypatch):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=1)
    AppSettings().add_recent_project(str(path))
    opened = []
    real_open_window = cmd_gui.open_window
    monkeypatch.setattr(
        cmd_gui, "open_window", lambda *a, **k: opened.append(a[:2]) or real_open_window(*a, **k)
    )
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)  # do not block
    assert main([]) == 0
    assert opened == [("open", str(path))]
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.project]
    assert len(windows) == 1 and windows[0].project.url.endswith("p.sphericity")
    windows[0].close()


def test_export_csv_from_the_window(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path)
    place_reading(window, truths[0])
    summary = window.export_to(str(tmp_path / "readings.csv"))
    assert summary.rows == 1
    text = (tmp_path / "readings.csv").read_text(encoding="utf-8-sig")
    assert f"{window.session.reading.si:.4f}"[:5] in text


def test_start_dialog_offers_recent_projects_and_the_demo(qtbot, tmp_path, monkeypatch):
    from app.cli import cmd_demo
    from app.dialogs.start import StartDialog

    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cmd_demo, "DEMO_CINES", 2)  # a small demo: this is about the wiring
    monkeypatch.setattr(cmd_demo, "DEMO_FRAMES", 4)
    monkeypatch.setattr(cmd_demo, "READ_CINES", 1)
    settings = AppSettings()
    settings.add_recent_project(str(tmp_path / "old.sphericity"))
    dialog = StartDialog(settings)
    qtbot.addWidget(dialog)
    assert dialog.recent_list.count() == 1
    dialog.recent_list.itemActivated.emit(dialog.recent_list.item(0))
    assert dialog.choice == ("open", str(tmp_path / "old.sphericity"))
    project, path = cmd_gui.open_project("demo", "")
    try:
        assert path.endswith("demo.sphericity") and project.count_images() > 0
        assert project.readings(status=["approved"])  # the phantom truth, ready to compare
    finally:
        project.close()
