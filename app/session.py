"""The annotation session: current image and the user's reading, saved after every finished edit.

Saving uses the store's optimistic versions: a reading changed by another client since it was
loaded raises ConflictError, which is reported to the user; the stored reading is then shown and
nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.undo import EditCommand
from core.edits import ReadingDoc
from core.geometry import GeometryError, spacing_or_unknown
from core.plausibility import plausibility_problems
from core.store import ConflictError, StoreError
from core.suggestion import (
    ApplySuggestion,
    SuggestionSource,
    source_from_record,
    suggestion_landmarks,
    suggestion_record,
)

LOCKED_STATUSES = frozenset({"submitted", "approved"})
REVIEW_ROLES = frozenset({"reviewer", "clinician"})


@dataclass(frozen=True)
class Identity:
    annotator_id: int
    name: str
    role: str

    @property
    def reviews(self) -> bool:
        return self.role in REVIEW_ROLES


class AnnotationSession(QObject):
    """Owns the current image, the user's ReadingDoc and its undo stack; talks to the store."""

    imageChanged = Signal(object, object)  # ImageInfo, pixels
    readingChanged = Signal(object)  # the user's ReadingInfo or None
    readingsChanged = Signal(list)  # every reading of the image (reviewers see them)
    readingSaved = Signal(int)  # image id whose readings changed
    conflict = Signal(str)
    problem = Signal(str)
    notice = Signal(str)  # for the status bar only

    def __init__(self, project, identity: Identity, frames) -> None:
        super().__init__()
        self.project = project
        self.identity = identity
        self.frames = frames
        self.undo_stack = QUndoStack(self)
        self.image = None
        self.reading = None
        self.readings: list = []
        self.doc: ReadingDoc | None = None
        self.suggestion: SuggestionSource | None = None  # the run behind a suggested reading
        self._saved_state = None

    # loading ---------------------------------------------------------------------------------
    def open_image(self, image_id: int) -> bool:
        try:
            image = self.project.image(image_id)
            pixels = self.frames.pixels(image_id)
        except StoreError as exc:  # e.g. removed by another client since the list was read
            self.problem.emit(f"Image {image_id} cannot be shown: {exc}")
            return False
        self.image = image
        self.imageChanged.emit(image, pixels)
        self._load_readings()
        return True

    def _load_readings(self) -> None:
        readings = self.project.readings_for_image(self.image.id)
        mine = next((r for r in readings if r.annotator_id == self.identity.annotator_id), None)
        self._set_reading(mine, readings)

    def _set_reading(self, reading, readings: list) -> None:
        self.reading = reading
        self.readings = readings if self.identity.reviews else [reading] if reading else []
        self.undo_stack.clear()
        self.suggestion, marks = source_from_record(reading.suggested if reading else None)
        doc = ReadingDoc(
            reading.landmarks if reading else None,
            reading.contour if reading else None,
            marks,
        )
        self.doc = doc
        self._saved_state = self._state()
        self.readingChanged.emit(reading)
        self.readingsChanged.emit(list(self.readings))

    @property
    def locked(self) -> bool:
        return self.reading is not None and self.reading.status in LOCKED_STATUSES

    def other_readings(self) -> list:
        """Readings by other annotators: empty for annotators (blinded double reading)."""
        if not self.identity.reviews:
            return []
        mine = self.identity.annotator_id
        # Ordered by reading id, as in the inspector: a reader keeps one colour everywhere.
        return sorted((r for r in self.readings if r.annotator_id != mine), key=lambda r: r.id)

    # editing ---------------------------------------------------------------------------------
    def push_edit(self, edit) -> None:
        if self.doc is None or self.locked:
            return
        self.undo_stack.push(EditCommand(self.doc, edit))

    def suggest(self, run_id: int, landmarks) -> bool:
        """Fill a new draft reading from a run's predicted landmarks (only without a reading)."""
        if self.doc is None or self.locked:
            return False
        if self.reading is not None or self.doc.landmarks is not None:
            self.problem.emit(
                "Suggestions fill a new reading only: this image already has your landmarks."
            )
            return False
        spacing = spacing_or_unknown(self.image.spacing)
        try:  # the store refuses degenerate landmarks: say so before touching the doc
            landmarks = suggestion_landmarks(landmarks, spacing, shape=self.image.shape)
        except GeometryError as exc:
            self.notice.emit(  # the status bar: a refused suggestion needs no dialog
                f"The model's landmarks on this image are not a valid reading ({exc}): "
                "place them by hand (L)."
            )
            return False
        self.suggestion = SuggestionSource(int(run_id), landmarks)
        self.undo_stack.push(EditCommand(self.doc, ApplySuggestion(landmarks)))
        return self.save()

    def undo(self) -> None:
        self.undo_stack.undo()
        if self.doc is not None and self.doc.landmarks is None and self.reading is not None:
            # The store keeps every reading (there is no delete): undo stops at the first save.
            self.undo_stack.redo()
            self.notice.emit(
                "Undo stops here: this reading is saved. Drag its points to change it."
            )
            return
        self.save()

    def redo(self) -> None:
        self.undo_stack.redo()
        self.save()

    def _state(self):
        if self.doc is None:
            return None
        return (self.doc.landmarks, _frozen(self.doc.contour), _frozen_dict(self.doc.suggested))

    def suggested_record(self) -> dict | None:
        """What is stored as the reading's `suggested` (see core.suggestion)."""
        return suggestion_record(self.suggestion, self.doc) if self.doc is not None else None

    def has_unsaved_edit(self) -> bool:
        return self.doc is not None and self._state() != self._saved_state

    def save(self, *, note: str | None = None) -> bool:
        """Store the doc if it changed (or the note did); True when something was written."""
        if self.doc is None or self.doc.landmarks is None or self.locked:
            return False
        note_changed = note is not None and note != (self.reading.note if self.reading else "")
        if not self.has_unsaved_edit() and not note_changed:
            return False
        if note is None:
            note = self.reading.note if self.reading else ""
        try:
            saved = self.project.save_reading(
                self.image.id,
                self.identity.annotator_id,
                self.doc.landmarks,
                contour=self.doc.contour,
                status="draft",
                note=note,
                expected_version=self.reading.version if self.reading else None,
                suggested=self.suggested_record(),
            )
        except ConflictError as exc:
            self._report_conflict(exc)
            return False
        except GeometryError as exc:
            self.problem.emit(f"Not saved: {exc}")
            return False
        except StoreError as exc:
            # e.g. BusyError: another client held the write lock past the busy timeout. The
            # edit stays in the doc (still unsaved) and is written with the next change or on
            # close.
            self.problem.emit(f"Not saved yet, the project is busy or unavailable: {exc}")
            return False
        self._after_write(saved)
        self._warn_if_implausible()
        return True

    def _warn_if_implausible(self) -> None:
        """A saved reading far from a real heart is kept, with a warning (core.plausibility)."""
        if self.image.spacing is None:
            return
        problems = plausibility_problems(self.doc.landmarks, self.image.spacing)
        if problems:
            self.notice.emit("Saved, but check it: " + "; ".join(problems) + ".")

    def _after_write(self, saved) -> None:
        self.reading = saved
        self.readings = [r for r in self.readings if r.id != saved.id] + [saved]
        self._saved_state = self._state()
        self.readingChanged.emit(saved)
        self.readingsChanged.emit(list(self.readings))
        self.readingSaved.emit(saved.image_id)

    # status ----------------------------------------------------------------------------------
    def submit(self) -> bool:
        return self._set_own_status("submitted")

    def reopen(self) -> bool:
        return self._set_own_status("draft")

    def _set_own_status(self, status: str) -> bool:
        if self.reading is None:
            self.problem.emit("Place the landmarks first: there is no reading to change yet.")
            return False
        self.save()
        return self._change_status(self.reading, status, note=None)

    def review(self, reading_id: int, status: str, note: str) -> bool:
        """Approve or reject another reader's (or one's own) reading, as a reviewer."""
        if not self.identity.reviews:
            self.problem.emit("Only reviewers and clinicians can approve or reject readings.")
            return False
        target = next((r for r in self.readings if r.id == reading_id), None)
        if target is None:
            self.problem.emit("Choose a reading to review first.")
            return False
        return self._change_status(target, status, note=note)

    def _change_status(self, reading, status: str, note: str | None) -> bool:
        try:
            updated = self.project.set_reading_status(
                reading.id,
                status,
                by_annotator_id=self.identity.annotator_id,
                note=note,
                expected_version=reading.version,
            )
        except ConflictError as exc:
            self._report_conflict(exc)
            return False
        except StoreError as exc:
            self.problem.emit(str(exc))
            return False
        if updated.annotator_id == self.identity.annotator_id:
            self.reading = updated
            self.readingChanged.emit(updated)
        self.readings = [r for r in self.readings if r.id != updated.id] + [updated]
        self.readingsChanged.emit(list(self.readings))
        self.readingSaved.emit(updated.image_id)
        return True

    # conflicts -------------------------------------------------------------------------------
    def _report_conflict(self, exc: ConflictError) -> None:
        self.conflict.emit(conflict_message(exc.stored, self.reading))
        self._load_readings()  # show what is stored; the local change is dropped, never written


def conflict_message(stored, mine) -> str:
    """What another client changed, in words a user can act on."""
    if stored is None:
        return (
            "This reading was deleted by another client since you opened it. "
            "Your change was not saved."
        )
    changes = []
    if mine is None:
        changes.append("created it")
    else:
        if stored.status != mine.status:
            changes.append(f"status {mine.status} → {stored.status}")
        if mine.si is not None and stored.si is not None and abs(stored.si - mine.si) > 1e-9:
            changes.append(f"SI {mine.si:.3f} → {stored.si:.3f}")
        if stored.landmarks != mine.landmarks:
            changes.append("moved landmarks")
        if (stored.note or "") != (mine.note or ""):
            changes.append("changed the note")
    what = ", ".join(changes) or "saved it"
    return (
        f"{stored.annotator_name}'s reading on this image was changed by another client "
        f"(now version {stored.version}: {what}). Your change was not saved; the stored reading "
        "is shown now."
    )


def _frozen(points):
    return None if points is None else tuple(tuple(p) for p in points)


def _frozen_dict(d):
    return None if not d else tuple(sorted(d.items()))
