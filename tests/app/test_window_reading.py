"""The real window on a phantom project: mouse placement, perpendicular drags, undo, persistence."""

from __future__ import annotations

import pytest
from window_helpers import cos_mm, drag, make_project, open_window, place_reading

from core.geometry import measure
from core.store import Project


@pytest.fixture
def project_path(tmp_path):
    return make_project(tmp_path / "p.sphericity", n_frames=3)


def test_mouse_placement_gives_the_phantom_si(qtbot, project_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    image = window.session.image
    place_reading(window, truths[0])
    truth_si = measure(truths[0], image.spacing).si
    landmarks = window.session.doc.landmarks
    assert abs(measure(landmarks, image.spacing).si - truth_si) < 0.02
    stored = window.project.reading(image.id, window.identity.annotator_id)
    assert stored is not None and stored.status == "draft"
    assert stored.landmarks == landmarks  # every finished edit is already saved
    assert abs(stored.si - truth_si) < 0.02
    assert window.inspector.si_label.text() == f"{stored.si:.3f}"


def test_dragging_a_width_handle_keeps_it_perpendicular(qtbot, project_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    spacing = window.session.image.spacing
    place_reading(window, truths[0])
    before = window.session.doc.landmarks
    target = (before.w1[0] - 4.0, before.w1[1] + 9.0)  # down the axis and outwards
    drag(window, before.w1, target)
    after = window.session.doc.landmarks
    assert after.w1 != before.w1
    assert cos_mm(after, spacing) < 1e-6
    stored = window.project.reading(window.session.image.id, window.identity.annotator_id)
    assert stored.landmarks == after


def test_undo_and_redo_a_drag_are_one_step_each_and_saved(qtbot, project_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    image_id, me = window.session.image.id, window.identity.annotator_id
    place_reading(window, truths[0])
    before = window.session.doc.landmarks
    drag(window, before.apex, (before.apex[0] + 3.0, before.apex[1] - 5.0), steps=10)
    moved = window.session.doc.landmarks
    assert moved != before
    window.actions["edit.undo"].trigger()
    assert window.session.doc.landmarks == before  # ten mouse moves, one undo step
    assert window.project.reading(image_id, me).landmarks == before
    window.actions["edit.redo"].trigger()
    assert window.session.doc.landmarks == moved
    assert window.project.reading(image_id, me).landmarks == moved


def test_switching_images_and_reopening_finds_every_reading(qtbot, project_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    placed = {}
    for index, truth in enumerate(truths):
        if index:
            window.actions["nav.next"].trigger()
            qtbot.waitUntil(lambda i=index: window.session.image.frame_index == i)
        place_reading(window, truth)
        placed[window.session.image.id] = window.session.doc.landmarks
    window.close()  # never asks to save: nothing is unsaved
    with Project.open(path) as project:
        me = next(a for a, name, _ in project.annotators() if name == "ann")
        for image_id, landmarks in placed.items():
            assert project.reading(image_id, me).landmarks == landmarks
    reopened = open_window(qtbot, path)
    for image_id, landmarks in placed.items():
        reopened.browser.select_image(image_id)
        qtbot.waitUntil(lambda i=image_id: reopened.session.image.id == i)
        assert reopened.session.doc.landmarks == landmarks
        assert (
            reopened.browser.model.data(
                reopened.browser.model.index(reopened.browser.model.row_of(image_id), 4)
            )
            == "draft"
        )


def test_submitted_reading_is_locked_until_reopened(qtbot, project_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    place_reading(window, truths[0])
    window.inspector.submit_button.click()
    assert window.session.reading.status == "submitted"
    locked = window.session.doc.landmarks
    drag(window, locked.apex, (locked.apex[0] + 6.0, locked.apex[1]))
    assert window.session.doc.landmarks == locked
    window.inspector.reopen_button.click()
    assert window.session.reading.status == "draft"
    drag(window, locked.apex, (locked.apex[0] + 6.0, locked.apex[1]))
    assert window.session.doc.landmarks != locked


def test_the_note_is_saved_with_the_reading(qtbot, project_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    place_reading(window, truths[0])
    version = window.session.reading.version
    window.inspector.note_edit.setPlainText("apex foreshortened")
    window.inspector.note_edit.editingFinished.emit()
    stored = window.project.reading(window.session.image.id, window.identity.annotator_id)
    assert stored.note == "apex foreshortened" and stored.version == version + 1
    window.inspector.note_edit.editingFinished.emit()  # unchanged: nothing written
    assert window.session.reading.version == version + 1


def test_undo_stops_at_the_first_saved_placement(qtbot, project_path):
    path, truths = project_path
    window = open_window(qtbot, path)
    place_reading(window, truths[0])
    placed = window.session.doc.landmarks
    for _ in range(5):  # more undos than steps: the drags go, the placement stays
        window.actions["edit.undo"].trigger()
    assert window.session.doc.landmarks is not None
    stored = window.project.reading(window.session.image.id, window.identity.annotator_id)
    assert stored.landmarks == window.session.doc.landmarks != placed
    assert "Undo stops here" in window.status.currentMessage()
