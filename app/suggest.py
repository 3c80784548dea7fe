"""Suggestions: a draft reading filled from a run's predicted landmarks, and its stored record.

The editable marks live in ReadingDoc.suggested ({name: True} while a point is an untouched,
unconfirmed suggestion). What is stored with the reading is a fuller record, so statistics and the
audit log can tell a suggestion accepted unchanged from a reader's own work::

    {"run_id": 3, "landmarks": {...predicted...},
     "points": {"apex": true, ...},        # true: the point is where the model put it
     "pending": ["w1", ...]}               # still marked (neither moved nor confirmed)

core.stats.suggestion_unchanged() reads "landmarks" (and "points") of this record. Plain Python:
no Qt here, so the logic is tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.edits import ReadingDoc
from core.geometry import LANDMARK_NAMES, Landmarks

UNCHANGED_TOLERANCE_PX = 1e-6  # the same tolerance as core.stats: a point moved at all is "moved"


@dataclass(frozen=True)
class SuggestionSource:
    """Which run suggested a reading, and the landmarks it predicted."""

    run_id: int
    landmarks: Landmarks


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
        doc.landmarks, doc.suggested = self._before
        doc.notify()

    def merge(self, other) -> bool:
        return False

    def is_noop(self) -> bool:
        return False


def unchanged_points(source: SuggestionSource, landmarks: Landmarks | None) -> dict[str, bool]:
    """Landmark name -> True when the reading's point is still where the model put it."""
    if landmarks is None:
        return {name: False for name in LANDMARK_NAMES}
    return {
        name: bool(
            np.allclose(
                getattr(source.landmarks, name),
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
        "points": unchanged_points(source, doc.landmarks),
        "pending": pending,
    }


def source_from_record(record: dict | None) -> tuple[SuggestionSource | None, dict | None]:
    """(the source, the doc's marks) from a stored `suggested` value, either shape."""
    if not record:
        return None, None
    if "run_id" in record and isinstance(record.get("landmarks"), dict):
        source = SuggestionSource(int(record["run_id"]), Landmarks.from_dict(record["landmarks"]))
        pending = [n for n in record.get("pending", []) if n in LANDMARK_NAMES]
        return source, ({n: True for n in pending} or None)
    marks = {n: True for n in LANDMARK_NAMES if record.get(n) is True}
    return None, marks or None


def accepted_unchanged(record: dict | None) -> list[str]:
    """The points of a stored suggestion record that the annotator left where the model put them."""
    if not record or not isinstance(record.get("points"), dict):
        return []
    return [name for name in LANDMARK_NAMES if record["points"].get(name) is True]
