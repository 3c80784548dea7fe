"""Help → Shortcuts: every keyboard action with its current keys, grouped as in the menus."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from app.actions import ACTION_SPECS


class ShortcutsDialog(QDialog):
    """Read-only list of the shortcuts in force (remap them in Preferences)."""

    def __init__(self, keys: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 760)
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcutsTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        groups: dict[str, QTreeWidgetItem] = {}
        for spec in ACTION_SPECS:
            group = groups.get(spec.group)
            if group is None:
                group = QTreeWidgetItem(self.tree, [spec.group, ""])
                group.setFirstColumnSpanned(True)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                groups[spec.group] = group
            text = QKeySequence(keys.get(spec.id, "")).toString(
                QKeySequence.SequenceFormat.NativeText
            )
            QTreeWidgetItem(group, [spec.text, text or "—"])
        self.tree.expandAll()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        mouse = QLabel(
            "Mouse: wheel zooms at the cursor, middle-drag or Space+drag pans, "
            "right-drag sets window/level. Remap keys in Edit → Preferences."
        )
        mouse.setWordWrap(True)
        layout.addWidget(mouse)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        """(action text, keys text) for every action, in display order."""
        out = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            out.extend(
                (group.child(i).text(0), group.child(i).text(1)) for i in range(group.childCount())
            )
        return out
