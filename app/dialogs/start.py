"""Start dialog: create a project, open one, open the demo, or pick a recent project."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from app.settings import AppSettings

PROJECT_FILTER = "Sphericity projects (*.sphericity *.db *.sqlite);;All files (*)"


class StartDialog(QDialog):
    """Chooses what to open; `choice` is ("new" | "open" | "demo", path) after accept."""

    def __init__(self, settings: AppSettings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sphericity Studio")
        self.setMinimumWidth(520)
        self.choice: tuple[str, str] | None = None
        title = QLabel("<h2>Sphericity Studio</h2>LV sphericity readings and an SI model")
        self.new_button = QPushButton("New project…")
        self.open_button = QPushButton("Open project…")
        self.demo_button = QPushButton("Open the demo project")
        self.recent_list = QListWidget()
        for path in settings.recent_projects():
            item = QListWidgetItem(Path(path).name if "://" not in path else path)
            item.setToolTip(path)
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.recent_list.addItem(item)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.demo_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Recent projects (double-click to open)"))
        layout.addWidget(self.recent_list)
        self.new_button.clicked.connect(self._new)
        self.open_button.clicked.connect(self._open)
        self.demo_button.clicked.connect(lambda: self.choose("demo", ""))
        self.recent_list.itemActivated.connect(
            lambda item: self.choose("open", item.data(Qt.ItemDataRole.UserRole))
        )

    def choose(self, action: str, path: str) -> None:
        self.choice = (action, path)
        self.accept()

    def _new(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", "", PROJECT_FILTER)
        if path:
            self.choose("new", path if Path(path).suffix else path + ".sphericity")

    def _open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if path:
            self.choose("open", path)
