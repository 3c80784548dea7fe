"""Saving a reading far from a real heart: stored, with a warning in the status bar."""

from __future__ import annotations

from window_helpers import make_project, open_window, place_reading

from core.plausibility import plausibility_problems


def test_an_implausible_reading_is_saved_with_a_warning(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path)
    spacing = window.session.image.spacing
    truth = truths[0]
    assert plausibility_problems(truth, spacing) == []
    place_reading(window, truth)
    assert "check it" not in window.status.currentMessage()  # a plausible reading: no warning

    # hinge B three pixels from hinge A: an annulus of about 5 mm, as a sliver of atrium gives
    squeezed = truth.replace(hinge_b=(truth.hinge_a[0] + 3.0, truth.hinge_a[1]))
    place_reading(window, squeezed)  # placed afresh over the first reading
    placed = window.session.doc.landmarks
    assert abs(placed.hinge_b[0] - placed.hinge_a[0]) < 4.0
    stored = window.project.reading(window.session.image.id, window.identity.annotator_id)
    assert stored is not None and stored.landmarks == window.session.doc.landmarks  # saved
    message = window.status.currentMessage()
    assert "Saved, but check it" in message and "mitral annulus" in message
    assert "under 15 mm" in message
