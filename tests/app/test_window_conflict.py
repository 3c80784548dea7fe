"""A second client changing the same reading: the window reports it and overwrites nothing."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
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


@contextmanager
def _write_lock_held(path):
    """A second client (a plain sqlite3 connection) holding the project's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def short_busy_timeout(monkeypatch):
    # The real timeout is 5 s; the window under test waits 0.2 s for the lock instead.
    import core.store.engine

    monkeypatch.setattr(core.store.engine, "BUSY_TIMEOUT_MS", 200)


def test_a_busy_project_keeps_the_edit_and_saves_it_with_the_next_change(
    qtbot, tmp_path, short_busy_timeout
):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path, "ann")
    place_reading(window, truths[0])
    image_id, me = window.session.image.id, window.identity.annotator_id
    before = window.project.reading(image_id, me)
    with _write_lock_held(path):
        apex = window.session.doc.landmarks.apex
        drag(window, apex, (apex[0] - 4.0, apex[1] + 3.0))  # no exception escapes the slot
        assert "busy" in window.last_message and window.session.has_unsaved_edit()
    assert window.project.reading(image_id, me).version == before.version
    window.shutdown()  # closing writes what was kept
    with Project.open(path) as project:
        stored = project.reading(image_id, me)
    assert stored.version == before.version + 1 and stored.landmarks != before.landmarks


def test_approve_while_another_client_holds_the_lock_is_reported(
    qtbot, tmp_path, short_busy_timeout
):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    with Project.open(path) as other:
        image_id = other.list_images(limit=1)[0].id
        bob = other.ensure_annotator("bob", "annotator")
        saved = other.save_reading(image_id, bob, truths[0], status="submitted")
    window = open_window(qtbot, path, "rita", "reviewer")
    window.inspector.readers_table.selectRow(0)
    with _write_lock_held(path):
        window.inspector.approve_button.click()
        assert "busy" in window.last_message
    stored = window.project.readings_for_image(image_id)[0]
    assert stored.status == "submitted" and stored.version == saved.version
    window.inspector.approve_button.click()  # the lock is gone: the same click now works
    assert window.project.readings_for_image(image_id)[0].status == "approved"
