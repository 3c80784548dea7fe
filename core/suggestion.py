"""Suggestions: a draft reading filled from a run's predicted landmarks, and its stored record.

The one home of the suggestion rules: the record stored with a reading, its parser, whether a
reading is a suggestion accepted unchanged (statistics and exports leave those out), and how
predicted landmarks become a valid draft (W2 put on the perpendicular).

The editable marks live in ReadingDoc.suggested ({name: True} while a point is an untouched,
unconfirmed suggestion). What is stored with the reading is a fuller record, so statistics and the
audit log can tell a suggestion accepted unchanged from a reader's own work::

    {"run_id": 3, "landmarks": {...predicted...},
     "points": {"apex": true, ...},        # true: the point is where the model put it
     "pending": ["w1", ...]}               # still marked (neither moved nor confirmed)

Readings saved before the full record existed store the doc's marks alone ({"apex": true, ...}).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from core.edits import ReadingDoc
from core.geometry import LANDMARK_NAMES, Landmarks, Spacing, measure, perpendicular_width

UNCHANGED_TOLERANCE_PX = 1e-6  # a point moved at all is "moved"


@dataclass(frozen=True)
class SuggestionSource:
    """Which run suggested a reading, and the landmarks it predicted."""

    run_id: int
    landmarks: Landmarks


@dataclass(frozen=True)
class StoredSuggestion:
    """A reading's stored `suggested` value, parsed (either shape)."""

    source: SuggestionSource | None  # None: the marks-only shape, the run is not known
    marks: dict[str, bool] | None  # the doc's marks: points still pending ({name: True})
    points: dict[str, bool]  # name -> the point was left where the model put it


def parse_record(record: Mapping | None) -> StoredSuggestion | None:
    """The one parser of a stored `suggested` value; None when the reading is not a suggestion."""
    if not record or not isinstance(record, Mapping):
        return None
    if "run_id" in record and isinstance(record.get("landmarks"), Mapping):
        try:
            predicted = Landmarks.from_dict(record["landmarks"])
            source = SuggestionSource(int(record["run_id"]), predicted)
        except (KeyError, TypeError, ValueError):
            return None  # a damaged record: the reading counts as the reader's own work
        pending = [n for n in record.get("pending", []) if n in LANDMARK_NAMES]
        stored_points = record.get("points")
        points = stored_points if isinstance(stored_points, Mapping) else {}
        return StoredSuggestion(
            source=source,
            marks={n: True for n in pending} or None,
            points={n: points.get(n) is True for n in LANDMARK_NAMES},
        )
    marks = {n: True for n in LANDMARK_NAMES if record.get(n) is True}
    # A pending mark means the point was neither moved nor confirmed: it is where the model put it.
    return StoredSuggestion(None, marks or None, {n: n in marks for n in LANDMARK_NAMES})


def suggestion_landmarks(landmarks: Landmarks, spacing: Spacing, shape=None) -> Landmarks:
    """Predicted landmarks as a valid draft: W1 and its level kept, W2 on the perpendicular.

    A predicted width is never exactly perpendicular; the draft obeys the constraint every edit
    obeys (as the model's own landmark SI does), so its SI follows the one definition. Raises
    GeometryError when the landmarks are not a valid reading (degenerate, off the image).
    """
    measure(landmarks, spacing, shape=shape)
    placed = perpendicular_width(landmarks, spacing)
    measure(placed, spacing, shape=shape)
    return placed


class ApplySuggestion:
    """Fill an empty reading with predicted landmarks, every point marked as a suggestion."""

    merge_key = None

    def __init__(self, landmarks: Landmarks, *, text: str = "Suggest landmarks from the model"):
        self.landmarks = landmarks
        self.text = text
        self._before: tuple | None = None

    def apply(self, doc: ReadingDoc) -> None:
        self._before = (doc.landmarks, dict(doc.suggested) if doc.suggested else None)
        doc.landmarks = self.landmarks
        doc.suggested = {name: True for name in LANDMARK_NAMES}
        doc.notify()

    def revert(self, doc: ReadingDoc) -> None:
        if self._before is None:
            raise RuntimeError("revert before apply")
        doc.landmarks, doc.suggested = self._before
        doc.notify()

    def merge(self, other) -> bool:
        return False

    def is_noop(self) -> bool:
        return False


def unchanged_points(predicted: Landmarks, landmarks: Landmarks | None) -> dict[str, bool]:
    """Landmark name -> True when the reading's point is still where the model put it."""
    if landmarks is None:
        return {name: False for name in LANDMARK_NAMES}
    return {
        name: bool(
            np.allclose(
                getattr(predicted, name),
                getattr(landmarks, name),
                atol=UNCHANGED_TOLERANCE_PX,
                rtol=0.0,
            )
        )
        for name in LANDMARK_NAMES
    }


def suggestion_record(source: SuggestionSource | None, doc: ReadingDoc) -> dict | None:
    """The `suggested` record to store with the reading (None: not a suggested reading)."""
    if source is None:
        return dict(doc.suggested) if doc.suggested else None
    pending = [name for name in LANDMARK_NAMES if doc.is_suggested(name)]
    return {
        "run_id": int(source.run_id),
        "landmarks": source.landmarks.to_dict(),
        "points": unchanged_points(source.landmarks, doc.landmarks),
        "pending": pending,
    }


def source_from_record(record: Mapping | None) -> tuple[SuggestionSource | None, dict | None]:
    """(the source, the doc's marks) from a stored `suggested` value, either shape."""
    parsed = parse_record(record)
    return (None, None) if parsed is None else (parsed.source, parsed.marks)


def accepted_unchanged(record: Mapping | None) -> list[str]:
    """The points of a stored suggestion that the annotator left where the model put them."""
    parsed = parse_record(record)
    if parsed is None or parsed.source is None:
        return []
    return [name for name in LANDMARK_NAMES if parsed.points[name]]


def suggestion_unchanged(record: Mapping | None, landmarks: Landmarks | None = None) -> bool:
    """Whether a reading is a model suggestion accepted with every point unchanged.

    With the full record and the reading's landmarks, the points are compared with the predicted
    ones (the stored "points" may predate a later save); otherwise the stored states decide.
    Anything else counts as a reader's own work.
    """
    parsed = parse_record(record)
    if parsed is None:
        return False
    if parsed.source is not None and landmarks is not None:
        return all(unchanged_points(parsed.source.landmarks, landmarks).values())
    return all(parsed.points.values())
