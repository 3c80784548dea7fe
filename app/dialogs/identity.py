"""Identity dialog: the annotator's name and role, asked once and remembered in the settings."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app.settings import ROLES, AppSettings

ROLE_HELP = {
    "annotator": "places landmarks; sees only their own readings (blinded)",
    "reviewer": "also sees every reader's landmarks and approves or rejects readings",
    "clinician": "like a reviewer; compares model and manual SI",
}


class IdentityDialog(QDialog):
    """Who is reading: a name (stored in the project as the annotator) and a role."""

    def __init__(self, settings: AppSettings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is reading?")
        self._settings = settings
        current = settings.annotator() or ("", "annotator")
        self.name_edit = QLineEdit(current[0])
        self.name_edit.setPlaceholderText("Your name or initials")
        self.role_box = QComboBox()
        for role in ROLES:
            self.role_box.addItem(role.capitalize(), role)
        self.role_box.setCurrentIndex(ROLES.index(current[1]))
        self.role_help = QLabel()
        self.role_help.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("Role", self.role_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.role_help)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._update)
        self.role_box.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self, *_args) -> None:
        self.ok_button.setEnabled(bool(self.name_edit.text().strip()))
        self.role_help.setText(ROLE_HELP[self.role_box.currentData()])

    def accept(self) -> None:
        self._settings.set_annotator(self.name_edit.text(), self.role_box.currentData())
        super().accept()

    def identity(self) -> tuple[str, str]:
        return self.name_edit.text().strip(), self.role_box.currentData()
