"""A damaged project given to the window: a message box says why; nothing crashes or hangs."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.cli.main import main
from app.main_window import MainWindow
from core.store import Project


def _table_gone(path):
    connection = sqlite3.connect(path)
    connection.execute("pragma foreign_keys=off")
    connection.execute("drop table images")
    connection.commit()
    connection.close()


def _two_revisions(path):
    connection = sqlite3.connect(path)
    connection.execute("insert into alembic_version values ('0001_other')")
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    ("damage", "words"),
    [(_table_gone, "tables images"), (_two_revisions, "2 schema revisions")],
)
def test_the_window_shows_a_message_for_a_damaged_project(
    qtbot, tmp_path, monkeypatch, damage, words
):
    path = tmp_path / "p.sphericity"
    Project.create(path).close()
    damage(path)
    shown = []
    monkeypatch.setattr(
        QMessageBox, "critical", staticmethod(lambda parent, title, text, *a: shown.append(text))
    )
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)  # do not block
    assert main(["gui", str(path)]) == 1
    assert len(shown) == 1 and words in shown[0] and "damaged" in shown[0]
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.project
    ]
