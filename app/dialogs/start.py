"""Start dialog: create a project, open one (a file or a server URL), the demo, or a recent one.

A server project is remembered by its URL without the password: reopening it asks for the
password again (left empty, the driver looks in ~/.pgpass or PGPASSWORD).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from app.settings import AppSettings

PROJECT_FILTER = "Sphericity projects (*.sphericity *.db *.sqlite);;All files (*)"
SERVER_EXAMPLE = "postgresql+psycopg://alice@lab-server/study"


def is_server_location(path_or_url: str) -> bool:
    return "://" in path_or_url and not path_or_url.startswith("sqlite")


def remembered_location(path_or_url: str) -> str:
    """What recent projects keep: an absolute file path, or the URL without its password."""
    if "://" not in path_or_url:
        return str(Path(path_or_url).resolve())
    from core.store.engine import without_password

    return without_password(path_or_url)


def with_password(url_text: str, password: str) -> str:
    """The URL with `password` set (an empty password leaves the URL as it is)."""
    if not password:
        return url_text
    from sqlalchemy.engine import make_url

    return make_url(url_text).set(password=password).render_as_string(hide_password=False)


class ServerDialog(QDialog):
    """A project on a PostgreSQL server: its URL and this user's password (never remembered)."""

    def __init__(self, url: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a project on a server")
        self.setMinimumWidth(520)
        self.url_edit = QLineEdit(url)
        self.url_edit.setPlaceholderText(SERVER_EXAMPLE)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("empty: from ~/.pgpass or PGPASSWORD")
        hint = QLabel(
            "Your login name is in the URL; the server decides your role. "
            "The password is not remembered."
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        form = QFormLayout()
        form.addRow("Server URL", self.url_edit)
        form.addRow("Password", self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.url_edit.textChanged.connect(self._update)
        if url:
            self.password_edit.setFocus()
        self._update()

    def _update(self, *_args) -> None:
        self.open_button.setEnabled(is_server_location(self.url_edit.text().strip()))

    def location(self) -> str:
        """The URL to connect with (password included when one was typed)."""
        return with_password(self.url_edit.text().strip(), self.password_edit.text())


class StartDialog(QDialog):
    """Chooses what to open; `choice` is ("new" | "open" | "demo", path) after accept."""

    def __init__(self, settings: AppSettings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sphericity Studio")
        self.setMinimumWidth(660)  # four buttons side by side, none clipped
        self.choice: tuple[str, str] | None = None
        title = QLabel("<h2>Sphericity Studio</h2>LV sphericity readings and an SI model")
        self.new_button = QPushButton("New project…")
        self.open_button = QPushButton("Open project…")
        self.server_button = QPushButton("Open on a server…")
        self.demo_button = QPushButton("Open the demo project")
        self.recent_list = QListWidget()
        for path in settings.recent_projects():
            item = QListWidgetItem(Path(path).name if "://" not in path else path)
            item.setToolTip(path)
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.recent_list.addItem(item)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.open_button, self.server_button, self.demo_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Recent projects (double-click to open)"))
        layout.addWidget(self.recent_list)
        self.new_button.clicked.connect(self._new)
        self.open_button.clicked.connect(self._open)
        self.demo_button.clicked.connect(lambda: self.choose("demo", ""))
        self.server_button.clicked.connect(lambda: self._open_server(""))
        self.recent_list.itemActivated.connect(self._open_recent)

    def choose(self, action: str, path: str) -> None:
        self.choice = (action, path)
        self.accept()

    def _open_recent(self, item: QListWidgetItem) -> None:
        location = item.data(Qt.ItemDataRole.UserRole)
        if is_server_location(location):
            self._open_server(location)
        else:
            self.choose("open", location)

    def _open_server(self, url: str) -> None:
        dialog = self.server_dialog(url)
        if dialog.exec():
            self.choose("open", dialog.location())

    def server_dialog(self, url: str) -> ServerDialog:
        """The server dialog (tests answer it instead of a user)."""
        return ServerDialog(url, self)

    def _new(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", "", PROJECT_FILTER)
        if path:
            self.choose("new", path if Path(path).suffix else path + ".sphericity")

    def _open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if path:
            self.choose("open", path)
