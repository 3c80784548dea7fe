"""A second client changing the same reading: the window reports it and overwrites nothing."""

from __future__ import annotations

from window_helpers import drag, make_project, open_window, place_reading

from core.store import Project


def test_conflicting_edit_from_a_second_client_is_reported_not_overwritten(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path, "ann")
    place_reading(window, truths[0])
    image_id, me = window.session.image.id, window.identity.annotator_id
    mine = window.project.reading(image_id, me)
    with Project.open(path) as other:  # the same annotator in a second window or machine
        theirs_landmarks = mine.landmarks.replace(apex=(mine.landmarks.apex[0] + 2.0, 30.0))
        theirs = other.save_reading(
            image_id, me, theirs_landmarks, note="from the ward PC", expected_version=mine.version
        )
    apex = window.session.doc.landmarks.apex
    drag(window, apex, (apex[0] - 5.0, apex[1] + 4.0))
    stored = window.project.reading(image_id, me)
    assert stored.version == theirs.version
    assert stored.landmarks == theirs_landmarks  # nothing was overwritten
    assert "changed by another client" in window.last_message
    assert "moved landmarks" in window.last_message and "note" in window.last_message
    assert window.session.doc.landmarks == theirs_landmarks  # the stored reading is shown now
    assert window.session.reading.version == theirs.version
    # Working on from the stored version saves normally again.
    apex = window.session.doc.landmarks.apex
    drag(window, apex, (apex[0] + 3.0, apex[1]))
    assert window.project.reading(image_id, me).version == theirs.version + 1


def test_status_change_on_a_stale_reading_is_refused(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path, "ann")
    place_reading(window, truths[0])
    image_id, me = window.session.image.id, window.identity.annotator_id
    mine = window.project.reading(image_id, me)
    with Project.open(path) as other:
        other.set_reading_status(
            mine.id, "submitted", by_annotator_id=me, expected_version=mine.version
        )
    window.inspector.submit_button.click()
    assert "changed by another client" in window.last_message
    assert window.project.reading(image_id, me).version == mine.version + 1
    assert window.session.reading.status == "submitted"


def test_an_image_that_cannot_be_shown_is_reported(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path, "ann")
    shown = window.session.image
    assert window.session.open_image(9999) is False
    assert "Image 9999 cannot be shown" in window.last_message
    assert window.session.image == shown


def test_a_busy_project_keeps_the_edit_and_saves_it_with_the_next_change(
    qtbot, tmp_path, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path, "ann")
    place_reading(window, truths[0])
    image_id, me = window.session.image.id, window.identity.annotator_id
    before = window.project.reading(image_id, me)
    real_save = window.project.save_reading

    def locked(*args, **kwargs):
        raise OperationalError("save", {}, Exception("database is locked"))

    monkeypatch.setattr(window.project, "save_reading", locked)
    apex = window.session.doc.landmarks.apex
    drag(window, apex, (apex[0] - 4.0, apex[1] + 3.0))
    assert "busy" in window.last_message and window.session.has_unsaved_edit()
    assert window.project.reading(image_id, me).version == before.version
    monkeypatch.setattr(window.project, "save_reading", real_save)
    window.shutdown()  # closing writes what was kept
    with Project.open(path) as project:
        stored = project.reading(image_id, me)
    assert stored.version == before.version + 1 and stored.landmarks != before.landmarks
