"""Blinded double reading and review in the real window: ghosts, readers table, approve, reject."""

from __future__ import annotations

from window_helpers import make_project, open_window

from core.geometry import Landmarks
from core.store import Project


def _shifted(lm: Landmarks, dx: float) -> Landmarks:
    return Landmarks(*[(x + dx, y) for x, y in lm.points()])


def _two_readers(path, truth):
    """Readers bob and carol submit slightly different readings of image 1 from another client."""
    with Project.open(path) as project:
        image_id = project.list_images(limit=1)[0].id
        for name, dx in (("bob", 0.0), ("carol", 1.5)):
            reader = project.ensure_annotator(name, "annotator")
            saved = project.save_reading(image_id, reader, _shifted(truth, dx))
            project.set_reading_status(
                saved.id, "submitted", by_annotator_id=reader, expected_version=saved.version
            )
    return image_id


def test_annotators_are_blinded_to_other_readers(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    _two_readers(path, truths[0])
    window = open_window(qtbot, path, "dave", "annotator")
    assert window.session.other_readings() == []
    assert window.canvas.ghosts.count == 0
    assert window.session.doc.landmarks is None  # nothing of bob's or carol's leaks in
    assert not window.inspector.review_box.isVisibleTo(window)
    assert not window.actions["review.approve"].isEnabled()
    browser = window.browser
    assert browser.table.isColumnHidden(6)  # the reference SI is the other readers' mean
    assert browser.filter_box.findData("disagree") == -1


def test_reviewer_sees_ghosts_and_approves(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    image_id = _two_readers(path, truths[0])
    window = open_window(qtbot, path, "rita", "reviewer")
    assert not window.browser.table.isColumnHidden(6)
    assert window.browser.filter_box.findData("disagree") >= 0
    assert [r.annotator_name for r in window.session.other_readings()] == ["bob", "carol"]
    assert window.canvas.ghosts.count > 0
    shown = []
    real_set_ghosts = window.canvas.set_ghosts
    window.canvas.set_ghosts = lambda g: (shown.append([n for n, _, _ in g]), real_set_ghosts(g))
    window.actions["review.ghosts"].trigger()
    assert window.canvas.ghosts.count == 0
    window.actions["review.ghosts"].trigger()
    assert shown == [[], ["bob", "carol"]]
    assert window.canvas.ghosts.count > 0
    table = window.inspector.readers_table
    assert table.rowCount() == 2
    assert window.inspector.spread_label.text().startswith("SI spread between readers")
    table.selectRow(1)
    carol_id = window.inspector.selected_reading_id()
    carol = next(r for r in window.session.readings if r.id == carol_id)
    # Without a reading of her own, the reviewer sees the selected reader's numbers.
    assert window.inspector.measure_box.title() == "Measurement: carol"
    assert window.inspector.si_label.text() == f"{carol.si:.3f}"
    window.inspector.review_note.setPlainText("hinges checked on 2CH")
    window.inspector.approve_button.click()
    approved = next(r for r in window.project.readings_for_image(image_id) if r.id == carol_id)
    assert approved.status == "approved"
    assert window.project.reference_si(image_id) == approved.si
    assert table.item(1, 2).text() == "approved" or table.item(0, 2).text() == "approved"
    audit = window.project.audit(carol_id)
    assert audit[-1].who == "rita"


def test_reviewer_rejects_with_a_note(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    image_id = _two_readers(path, truths[0])
    window = open_window(qtbot, path, "rita", "clinician")
    window.inspector.readers_table.selectRow(0)
    reading_id = window.inspector.selected_reading_id()
    window.inspector.review_note.setPlainText("apex too basal")
    window.actions["review.reject"].trigger()
    rejected = next(r for r in window.project.readings_for_image(image_id) if r.id == reading_id)
    assert rejected.status == "rejected"
    assert rejected.note == "apex too basal"
