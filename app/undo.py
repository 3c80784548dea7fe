"""QUndoCommand wrapper around the Qt-free edits of core.edits (one drag, one undo step)."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable

from PySide6.QtGui import QUndoCommand

from core.edits import Edit, ReadingDoc


def merge_id(merge_key: Hashable | None) -> int:
    """A stable non-negative 31-bit command id for a merge key; -1 (never merge) for None.

    Python's hash() of strings is salted per process, so the id comes from sha1 of repr(key).
    """
    if merge_key is None:
        return -1
    digest = hashlib.sha1(repr(merge_key).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class EditCommand(QUndoCommand):
    """One core.edits edit applied to one ReadingDoc; redo applies, undo reverts."""

    def __init__(self, doc: ReadingDoc, edit: Edit, parent: QUndoCommand | None = None) -> None:
        super().__init__(edit.text, parent)
        self.doc = doc
        self.edit = edit
        self._id = merge_id(edit.merge_key)

    def id(self) -> int:
        return self._id

    def redo(self) -> None:
        self.edit.apply(self.doc)

    def undo(self) -> None:
        self.edit.revert(self.doc)

    def mergeWith(self, other: QUndoCommand) -> bool:
        # QUndoStack has already run other.redo(), so the doc shows the merged result.
        if not isinstance(other, EditCommand) or other.doc is not self.doc:
            return False
        if other.edit.merge_key != self.edit.merge_key:
            return False  # an id collision of two different keys
        if not self.edit.merge(other.edit):
            return False
        if self.edit.is_noop():
            self.setObsolete(True)  # a drag cancelled back to its start leaves no undo step
        return True
