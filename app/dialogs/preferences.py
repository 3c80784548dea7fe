"""Preferences: remap keyboard shortcuts; a key used by two actions is refused, not saved."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.actions import ACTION_SPECS, SPECS_BY_ID, find_clashes, normalized


class PreferencesDialog(QDialog):
    """One editable key per action; `overrides()` holds the keys that differ from the defaults."""

    def __init__(self, keys: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences: keyboard shortcuts")
        self.resize(640, 760)
        self.table = QTableWidget(len(ACTION_SPECS), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.edits: dict[str, QKeySequenceEdit] = {}
        for row, spec in enumerate(ACTION_SPECS):
            self.table.setItem(row, 0, QTableWidgetItem(f"{spec.group}: {spec.text}"))
            edit = QKeySequenceEdit(QKeySequence(keys.get(spec.id, spec.default_keys)))
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            self.table.setCellWidget(row, 1, edit)
            self.edits[spec.id] = edit
        self.error_label = QLabel("")
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        defaults = QPushButton("Restore defaults")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.addButton(defaults, QDialogButtonBox.ButtonRole.ResetRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        defaults.clicked.connect(self.restore_defaults)

    def keys(self) -> dict[str, str]:
        return {
            action_id: edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
            for action_id, edit in self.edits.items()
        }

    def overrides(self) -> dict[str, str]:
        return {
            action_id: text
            for action_id, text in self.keys().items()
            if normalized(text) != normalized(SPECS_BY_ID[action_id].default_keys)
        }

    def set_keys(self, action_id: str, text: str) -> None:
        self.edits[action_id].setKeySequence(QKeySequence(text))

    def restore_defaults(self) -> None:
        for spec in ACTION_SPECS:
            self.set_keys(spec.id, spec.default_keys)

    def accept(self) -> None:
        clashes = find_clashes(self.keys())
        if clashes:
            lines = [
                f"{QKeySequence(seq).toString(QKeySequence.SequenceFormat.NativeText)}: "
                + ", ".join(SPECS_BY_ID[i].text for i in ids)
                for seq, ids in clashes.items()
            ]
            self.error_label.setText("Each key can do one thing. Used twice:\n" + "\n".join(lines))
            return  # refused: the dialog stays open and nothing is saved
        super().accept()
