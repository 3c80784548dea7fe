"""Qt test settings: offscreen platform, isolated QSettings, no leaked threads."""

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Every Qt test gets its own QSettings folder and user data folder."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    yield


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Fail a test that leaves a Python thread running."""
    before = set(threading.enumerate())
    yield
    # A QThread that ran Python code leaves a _DummyThread record Python never removes (and
    # reports alive forever); QThreads are checked by their owners' shutdown, not here.
    leaked = [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
    ]
    for t in leaked:
        t.join(timeout=2.0)
    leaked = [t for t in leaked if t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


@pytest.fixture
def styled(qapp):
    """The application's style sheet for screenshots, restored afterwards."""
    from app.cli.cmd_gui import apply_style

    sheet, style = qapp.styleSheet(), qapp.style().name()
    apply_style(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)
