"""Qt-free reading document and the undoable edits the canvas asks for (apply / revert / merge).

The GUI wraps each edit in a QUndoCommand (app.undo.EditCommand); everything here is plain Python
so the edit logic is tested without Qt. Edits with the same non-None ``merge_key`` merge into one
undo step: the canvas gives every mouse move of one drag the same key.

Listeners: ``doc.subscribe(callback)`` registers ``callback()`` (no arguments), called after each
change; it returns a function that unsubscribes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol

from core.geometry.types import LANDMARK_NAMES, Landmarks, Point

Listener = Callable[[], None]


class ReadingDoc:
    """The editable state of one reading: landmarks, contour and which points are suggestions.

    ``suggested`` maps landmark names to True while a point is a suggestion (pre-filled from a
    prediction) that the annotator has not moved or confirmed; None or {} when nothing is.
    """

    def __init__(
        self,
        landmarks: Landmarks | None = None,
        contour: list[Point] | None = None,
        suggested: dict | None = None,
    ) -> None:
        self.landmarks = landmarks
        self.contour = list(contour) if contour is not None else None
        self.suggested = dict(suggested) if suggested else None
        self.revision = 0  # bumped on every change; lets views skip redundant work
        self._listeners: list[Listener] = []

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Register ``callback()`` to run after each change; returns the unsubscribe function."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def notify(self) -> None:
        """Tell every listener the document changed (edits call this; so may loaders)."""
        self.revision += 1
        for callback in list(self._listeners):
            callback()

    def is_suggested(self, name: str) -> bool:
        return bool(self.suggested and self.suggested.get(name))


class Edit(Protocol):
    """What every edit offers: apply/revert on a ReadingDoc, a merge key and a menu text."""

    merge_key: Hashable | None
    text: str

    def apply(self, doc: ReadingDoc) -> None: ...

    def revert(self, doc: ReadingDoc) -> None: ...

    def merge(self, other: Edit) -> bool: ...

    def is_noop(self) -> bool: ...


def _changed_names(before: Landmarks | None, after: Landmarks | None) -> set[str]:
    if before is None or after is None:
        return set(LANDMARK_NAMES)
    return {n for n in LANDMARK_NAMES if getattr(before, n) != getattr(after, n)}


class SetLandmarks:
    """Replace the landmarks (None clears them); the points the user moved stop being suggestions.

    ``moved`` names the points the user moved (a dragged handle); None means every point that
    changed. Points that only followed a constraint (the width following a dragged apex) keep
    their suggestion mark.
    """

    def __init__(
        self,
        before: Landmarks | None,
        after: Landmarks | None,
        *,
        merge_key: Hashable | None = None,
        text: str = "Move apex",
        moved: tuple[str, ...] | None = None,
    ) -> None:
        self.before = before
        self.after = after
        self.merge_key = merge_key
        self.text = text
        self.moved = tuple(moved) if moved is not None else None
        self._suggested_before: dict | None = None

    def apply(self, doc: ReadingDoc) -> None:
        """Set ``after``; drop the suggestion mark of every point that differs from ``before``."""
        self._suggested_before = dict(doc.suggested) if doc.suggested else None
        if doc.suggested and self.after is not None:
            moved = _changed_names(self.before, self.after)
            if self.moved is not None:
                moved &= set(self.moved)
            kept = {k: v for k, v in doc.suggested.items() if k not in moved}
            doc.suggested = kept or None
        doc.landmarks = self.after
        doc.notify()

    def revert(self, doc: ReadingDoc) -> None:
        """Restore ``before`` and the suggestion marks as they were before apply."""
        doc.landmarks = self.before
        doc.suggested = dict(self._suggested_before) if self._suggested_before else None
        doc.notify()

    def merge(self, other: Edit) -> bool:
        """Absorb a later SetLandmarks with the same key (the doc already shows its result)."""
        if not isinstance(other, SetLandmarks) or not _same_key(self, other):
            return False
        self.after = other.after
        if self.moved is not None:
            self.moved = None if other.moved is None else tuple({*self.moved, *other.moved})
        return True

    def is_noop(self) -> bool:
        """True when merging brought the landmarks back where they started (a cancelled drag)."""
        return self.before == self.after


class ConfirmSuggested:
    """Mark suggested points as confirmed by the annotator (``names`` None: all of them)."""

    def __init__(self, names: tuple[str, ...] | None = None, *, text: str = "Confirm suggestion"):
        self.names = names
        self.merge_key = None
        self.text = text
        self._suggested_before: dict | None = None

    def apply(self, doc: ReadingDoc) -> None:
        self._suggested_before = dict(doc.suggested) if doc.suggested else None
        if doc.suggested:
            drop = set(doc.suggested) if self.names is None else set(self.names)
            kept = {k: v for k, v in doc.suggested.items() if k not in drop}
            doc.suggested = kept or None
        doc.notify()

    def revert(self, doc: ReadingDoc) -> None:
        doc.suggested = dict(self._suggested_before) if self._suggested_before else None
        doc.notify()

    def merge(self, other: Edit) -> bool:
        return False

    def is_noop(self) -> bool:
        return False


class SetContour:
    """Replace the endocardial contour (a list of pixel points; None removes it)."""

    def __init__(
        self,
        before: list[Point] | None,
        after: list[Point] | None,
        *,
        merge_key: Hashable | None = None,
        text: str = "Edit contour",
    ) -> None:
        self.before = _copy_points(before)
        self.after = _copy_points(after)
        self.merge_key = merge_key
        self.text = text

    def apply(self, doc: ReadingDoc) -> None:
        doc.contour = _copy_points(self.after)
        doc.notify()

    def revert(self, doc: ReadingDoc) -> None:
        doc.contour = _copy_points(self.before)
        doc.notify()

    def merge(self, other: Edit) -> bool:
        if not isinstance(other, SetContour) or not _same_key(self, other):
            return False
        self.after = _copy_points(other.after)
        return True

    def is_noop(self) -> bool:
        return self.before == self.after


def _same_key(a: Edit, b: Edit) -> bool:
    return a.merge_key is not None and a.merge_key == b.merge_key


def _copy_points(points: list[Point] | None) -> list[Point] | None:
    if points is None:
        return None
    return [(float(x), float(y)) for x, y in points]


class EditHistory:
    """A Qt-free undo stack with the same merge rule as QUndoStack (for tests and headless use)."""

    def __init__(self, doc: ReadingDoc) -> None:
        self.doc = doc
        self._done: list[Edit] = []
        self._undone: list[Edit] = []

    def push(self, edit: Edit) -> None:
        """Apply ``edit``; merge it into the previous step when both share a merge key."""
        edit.apply(self.doc)
        self._undone.clear()
        if self._done and self._done[-1].merge(edit):
            if self._done[-1].is_noop():
                self._done.pop()  # a drag that ended where it began leaves no step
            return
        self._done.append(edit)

    def undo(self) -> bool:
        if not self._done:
            return False
        edit = self._done.pop()
        edit.revert(self.doc)
        self._undone.append(edit)
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        edit = self._undone.pop()
        edit.apply(self.doc)
        self._done.append(edit)
        return True

    def __len__(self) -> int:
        return len(self._done)
