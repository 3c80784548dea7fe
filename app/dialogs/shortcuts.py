"""Help → Shortcuts: every keyboard action with its current keys, grouped as in the menus."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from app.actions import ACTION_SPECS

# Two side-by-side lists so every shortcut is visible at once, without scrolling.
LEFT_GROUPS = ("File", "Edit", "Navigate", "Reading")


class ShortcutsDialog(QDialog):
    """Read-only list of the shortcuts in force (remap them in Preferences)."""

    def __init__(self, keys: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(1000, 600)
        self.trees = [_tree(), _tree()]
        groups: dict[str, QTreeWidgetItem] = {}
        for spec in ACTION_SPECS:
            group = groups.get(spec.group)
            if group is None:
                tree = self.trees[0 if spec.group in LEFT_GROUPS else 1]
                group = groups[spec.group] = _group_item(tree, spec.group)
            text = QKeySequence(keys.get(spec.id, "")).toString(
                QKeySequence.SequenceFormat.NativeText
            )
            QTreeWidgetItem(group, [spec.text, text or "—"])
        columns = QHBoxLayout()
        for tree in self.trees:
            tree.expandAll()
            columns.addWidget(tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
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
        for tree in self.trees:
            for g in range(tree.topLevelItemCount()):
                group = tree.topLevelItem(g)
                out.extend(
                    (group.child(i).text(0), group.child(i).text(1))
                    for i in range(group.childCount())
                )
        return out


def _tree() -> QTreeWidget:
    tree = QTreeWidget()
    tree.setObjectName("shortcutsTree")
    tree.setColumnCount(2)
    tree.setHeaderLabels(["Action", "Keys"])
    tree.setRootIsDecorated(False)
    tree.header().setStretchLastSection(False)
    tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
    tree.setColumnWidth(1, 120)
    return tree


def _group_item(tree: QTreeWidget, name: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem(tree, [name, ""])
    item.setFirstColumnSpanned(True)
    font = item.font(0)
    font.setBold(True)
    item.setFont(0, font)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item
