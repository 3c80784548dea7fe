"""Edits on a ReadingDoc: apply/revert, merge of one drag into one step, suggestion marks."""

from core.edits import ConfirmSuggested, EditHistory, ReadingDoc, SetContour, SetLandmarks
from core.geometry.types import Landmarks

LM = Landmarks((50.0, 10.0), (30.0, 90.0), (70.0, 90.0), (30.0, 50.0), (70.0, 50.0))


def test_apply_and_revert_restore_landmarks_exactly():
    doc = ReadingDoc()
    calls = []
    doc.subscribe(lambda: calls.append(doc.landmarks))
    history = EditHistory(doc)
    history.push(SetLandmarks(None, LM, text="Place landmarks"))
    assert doc.landmarks == LM
    moved = LM.replace(apex=(51.25, 9.5))
    history.push(SetLandmarks(LM, moved))
    assert doc.landmarks == moved
    assert history.undo()
    assert doc.landmarks == LM
    assert history.undo()
    assert doc.landmarks is None
    assert history.redo() and history.redo()
    assert doc.landmarks == moved
    assert calls == [LM, moved, LM, None, LM, moved]


def test_one_drag_with_one_merge_key_is_one_undo_step():
    doc = ReadingDoc(landmarks=LM)
    history = EditHistory(doc)
    current = LM
    for step in range(1, 6):
        nxt = current.replace(apex=(50.0 + step, 10.0 - step))
        history.push(SetLandmarks(current, nxt, merge_key=("drag", 1)))
        current = nxt
    assert len(history) == 1
    history.push(SetLandmarks(current, LM.replace(apex=(0.0, 0.0)), merge_key=("drag", 2)))
    assert len(history) == 2
    history.undo()
    assert doc.landmarks == current
    history.undo()
    assert doc.landmarks == LM
    history.redo()
    assert doc.landmarks == current


def test_edits_without_merge_key_never_merge():
    doc = ReadingDoc(landmarks=LM)
    history = EditHistory(doc)
    history.push(SetLandmarks(LM, LM.replace(apex=(1.0, 1.0))))
    history.push(SetLandmarks(doc.landmarks, LM.replace(apex=(2.0, 2.0))))
    assert len(history) == 2


def test_moving_a_suggested_point_clears_only_its_mark_and_undo_restores_it():
    doc = ReadingDoc(landmarks=LM, suggested={n: True for n in ("apex", "hinge_a", "w1")})
    history = EditHistory(doc)
    history.push(SetLandmarks(LM, LM.replace(apex=(49.0, 12.0)), merge_key="d"))
    history.push(SetLandmarks(doc.landmarks, LM.replace(apex=(48.0, 13.0)), merge_key="d"))
    assert not doc.is_suggested("apex")
    assert doc.is_suggested("hinge_a") and doc.is_suggested("w1")
    history.undo()
    assert doc.suggested == {"apex": True, "hinge_a": True, "w1": True}
    history.redo()
    assert doc.suggested == {"hinge_a": True, "w1": True}


def test_confirm_suggested_clears_marks_and_reverts():
    doc = ReadingDoc(landmarks=LM, suggested={"apex": True, "w2": True})
    history = EditHistory(doc)
    history.push(ConfirmSuggested(("w2",)))
    assert doc.suggested == {"apex": True}
    history.push(ConfirmSuggested())
    assert doc.suggested is None
    history.undo()
    history.undo()
    assert doc.suggested == {"apex": True, "w2": True}


def test_contour_edits_copy_points_and_merge():
    doc = ReadingDoc()
    history = EditHistory(doc)
    poly = [(1.0, 1.0), (5.0, 1.0), (3.0, 4.0)]
    history.push(SetContour(None, poly))
    poly.append((9.0, 9.0))  # the caller's list must not leak into the document
    assert doc.contour == [(1.0, 1.0), (5.0, 1.0), (3.0, 4.0)]
    history.push(SetContour(doc.contour, [(1.0, 1.0), (6.0, 1.0), (3.0, 4.0)], merge_key="v"))
    history.push(SetContour(doc.contour, [(1.0, 1.0), (7.0, 1.0), (3.0, 4.0)], merge_key="v"))
    assert len(history) == 2
    history.undo()
    assert doc.contour == [(1.0, 1.0), (5.0, 1.0), (3.0, 4.0)]
    history.undo()
    assert doc.contour is None


def test_unsubscribe_stops_notifications():
    doc = ReadingDoc()
    calls = []
    unsubscribe = doc.subscribe(lambda: calls.append(1))
    SetLandmarks(None, LM).apply(doc)
    unsubscribe()
    SetLandmarks(LM, None).apply(doc)
    assert calls == [1]
    assert doc.revision == 2


def test_only_the_points_the_user_moved_lose_their_suggestion_mark():
    doc = ReadingDoc(landmarks=LM, suggested={"apex": True, "w1": True, "w2": True})
    history = EditHistory(doc)
    # The apex was dragged; the width followed it through the constraint.
    follow = LM.replace(apex=(52.0, 8.0), w1=(31.0, 49.0), w2=(71.0, 49.0))
    history.push(SetLandmarks(LM, follow, merge_key="k", moved=("apex",)))
    assert doc.suggested == {"w1": True, "w2": True}
    history.push(
        SetLandmarks(follow, follow.replace(w1=(20.0, 49.0)), merge_key="k", moved=("w1",))
    )
    history.undo()
    history.redo()  # the merged step re-applies with the union of moved points
    assert doc.suggested == {"w2": True}
