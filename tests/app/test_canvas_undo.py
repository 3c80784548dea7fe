"""EditCommand on a real QUndoStack: one drag is one undo step, undo/redo restore exactly."""

from PySide6.QtGui import QUndoStack

from app.undo import EditCommand, merge_id
from core.edits import ReadingDoc, SetLandmarks
from core.geometry.types import Landmarks

LM = Landmarks((50.0, 10.0), (30.0, 90.0), (70.0, 90.0), (30.0, 50.0), (70.0, 50.0))


def test_merge_id_is_stable_and_none_never_merges():
    assert merge_id(None) == -1
    assert merge_id(("drag", "apex", 3)) == merge_id(("drag", "apex", 3))
    assert merge_id(("drag", "apex", 3)) != merge_id(("drag", "apex", 4))
    assert 0 <= merge_id("x") < 2**31


def test_drag_merges_into_one_step_on_qundostack(qtbot):
    doc = ReadingDoc(landmarks=LM)
    stack = QUndoStack()
    current = LM
    for step in range(1, 8):
        nxt = current.replace(w1=(30.0 - step * 0.5, 50.0))
        stack.push(
            EditCommand(doc, SetLandmarks(current, nxt, merge_key=("drag", 7), text="Move W1"))
        )
        current = nxt
    assert stack.count() == 1
    assert stack.undoText() == "Move W1"
    assert doc.landmarks == current
    stack.undo()
    assert doc.landmarks == LM
    stack.redo()
    assert doc.landmarks == current
    stack.push(EditCommand(doc, SetLandmarks(current, LM, text="Reset")))
    assert stack.count() == 2
    stack.undo()
    assert doc.landmarks == current
