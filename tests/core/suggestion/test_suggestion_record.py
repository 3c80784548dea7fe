"""The suggestion record, its one parser, the unchanged rule, and W2 put on the perpendicular."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.edits import ConfirmSuggested, EditHistory, ReadingDoc, SetLandmarks
from core.geometry import LANDMARK_NAMES, GeometryError, Landmarks, Spacing
from core.suggestion import (
    ApplySuggestion,
    SuggestionSource,
    accepted_unchanged,
    parse_record,
    source_from_record,
    suggestion_landmarks,
    suggestion_record,
    suggestion_unchanged,
)

LANDMARKS = Landmarks((50, 10), (30, 90), (70, 90), (28, 50), (72, 50))


def _lm() -> Landmarks:
    return Landmarks((50, 10), (40, 90), (60, 90), (30, 50), (70, 50))


def test_record_tells_unchanged_from_moved_points():
    predicted = _lm()
    source = SuggestionSource(4, predicted)
    doc = ReadingDoc()
    history = EditHistory(doc)
    history.push(ApplySuggestion(predicted))
    record = suggestion_record(source, doc)
    assert record["run_id"] == 4 and record["pending"] == list(LANDMARK_NAMES)
    assert all(record["points"].values())
    assert suggestion_unchanged(record, doc.landmarks)  # statistics leave it out
    history.push(ConfirmSuggested())
    record = suggestion_record(source, doc)
    assert record["pending"] == [] and accepted_unchanged(record) == list(LANDMARK_NAMES)
    assert suggestion_unchanged(record, doc.landmarks)
    moved = predicted.replace(apex=(52.0, 8.0))
    history.push(SetLandmarks(doc.landmarks, moved, moved=("apex",)))
    record = suggestion_record(source, doc)
    assert record["points"]["apex"] is False
    assert accepted_unchanged(record) == ["hinge_a", "hinge_b", "w1", "w2"]
    assert not suggestion_unchanged(record, doc.landmarks)  # the reader's own work now
    for _ in range(3):
        history.undo()
    assert doc.landmarks is None and doc.suggested is None


def test_record_round_trips_to_the_doc_marks():
    predicted = _lm()
    doc = ReadingDoc(predicted, None, {"w1": True, "w2": True})
    record = suggestion_record(SuggestionSource(2, predicted), doc)
    source, marks = source_from_record(record)
    assert source == SuggestionSource(2, predicted)
    assert marks == {"w1": True, "w2": True}
    assert source_from_record({"apex": True}) == (None, {"apex": True})  # core.edits' own shape
    assert source_from_record(None) == (None, None)
    assert suggestion_record(None, ReadingDoc(predicted, None, {"apex": True})) == {"apex": True}


def test_unchanged_compares_positions_when_the_record_has_them():
    record = {"run_id": 3, "landmarks": LANDMARKS.to_dict()}
    assert suggestion_unchanged(record, LANDMARKS)
    assert not suggestion_unchanged(record, LANDMARKS.replace(apex=(50, 11)))
    assert not suggestion_unchanged(record, LANDMARKS.replace(apex=(50, 10 + 1e-4)))
    assert suggestion_unchanged(record, LANDMARKS.replace(apex=(50, 10 + 1e-9)))


def test_unchanged_from_stored_states_alone():
    every = dict.fromkeys(LANDMARK_NAMES, True)
    assert suggestion_unchanged(every)  # marks-only shape: every point still pending
    assert not suggestion_unchanged(dict(every, apex=False))
    assert not suggestion_unchanged({"apex": True, "w1": True})  # other points confirmed or moved
    full = {"run_id": 1, "landmarks": LANDMARKS.to_dict(), "points": every, "pending": []}
    assert suggestion_unchanged(full)
    assert not suggestion_unchanged(dict(full, points=dict(every, w2=False)))
    assert not suggestion_unchanged(None) and not suggestion_unchanged({})


def test_damaged_records_count_as_the_readers_own_work():
    for record in (
        {"run_id": 1, "landmarks": {"apex": [1, 2]}},  # points missing
        {"run_id": "x", "landmarks": LANDMARKS.to_dict()},
        {"run_id": 1, "landmarks": dict(LANDMARKS.to_dict(), apex="far")},
    ):
        assert parse_record(record) is None
        assert not suggestion_unchanged(record, LANDMARKS)
        assert accepted_unchanged(record) == []
    assert parse_record(["apex"]) is None


def _dot_mm(a, b, spacing: Spacing) -> float:
    ax, ay = a[0] * spacing.col_mm, a[1] * spacing.row_mm
    bx, by = b[0] * spacing.col_mm, b[1] * spacing.row_mm
    return ax * bx + ay * by


@given(
    w2_shift=st.tuples(st.floats(-8, 8), st.floats(-8, 8)),
    col_mm=st.floats(0.5, 2.0),
    row_mm=st.floats(0.5, 2.0),
)
def test_suggestion_puts_w2_on_the_perpendicular_and_keeps_w1(w2_shift, col_mm, row_mm):
    spacing = Spacing(row_mm=row_mm, col_mm=col_mm)
    predicted = _lm().replace(w2=(70 + w2_shift[0], 50 + w2_shift[1]))
    draft = suggestion_landmarks(predicted, spacing, shape=(128, 128))
    assert np.allclose(draft.w1, predicted.w1)
    mid = ((draft.hinge_a[0] + draft.hinge_b[0]) / 2, (draft.hinge_a[1] + draft.hinge_b[1]) / 2)
    axis = (draft.apex[0] - mid[0], draft.apex[1] - mid[1])
    width = (draft.w2[0] - draft.w1[0], draft.w2[1] - draft.w1[1])
    norm = np.sqrt(_dot_mm(axis, axis, spacing) * _dot_mm(width, width, spacing))
    assert abs(_dot_mm(axis, width, spacing)) <= 1e-9 * norm


def test_suggestion_refuses_landmarks_that_are_no_reading():
    flat = Landmarks((50, 50), (50, 50), (50, 50), (30, 50), (70, 50))
    with pytest.raises(GeometryError):
        suggestion_landmarks(flat, Spacing(1.0, 1.0))
    with pytest.raises(GeometryError):  # off the image
        suggestion_landmarks(_lm(), Spacing(1.0, 1.0), shape=(40, 40))
