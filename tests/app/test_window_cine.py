"""Cine bar, ED/ES marking, next image needing my reading, W/L remembered per series."""

from __future__ import annotations

import numpy as np
from window_helpers import make_project, open_window, place_reading

from app.cine import DEFAULT_FRAME_INTERVAL_MS, frame_interval_ms
from app.settings import AppSettings
from core.geometry import Spacing
from core.store import Project


class _Frame:
    def __init__(self, t):
        self.frame_time_ms = t


def test_frame_interval_comes_from_the_acquisition_times():
    assert frame_interval_ms([_Frame(0.0), _Frame(33.0), _Frame(66.0), _Frame(99.5)]) == 33.0
    assert frame_interval_ms([_Frame(None), _Frame(None)]) == DEFAULT_FRAME_INTERVAL_MS


def test_play_steps_through_the_cine_at_its_rate_and_pauses(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=3)
    window = open_window(qtbot, path)
    assert window.cine.interval_ms == 30  # frames stored 30 ms apart
    first = window.session.image.frame_index
    window.actions["cine.play"].trigger()
    qtbot.waitUntil(lambda: window.session.image.frame_index != first, timeout=3000)
    window.actions["cine.play"].trigger()
    assert not window.cine.playing


def test_frame_keys_and_ed_es_marks(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=3)
    window = open_window(qtbot, path)
    assert window.session.image.is_ed and window.session.image.frame_index == 0
    window.actions["nav.next_frame"].trigger()
    qtbot.waitUntil(lambda: window.session.image.frame_index == 1)
    window.actions["cine.set_ed"].trigger()
    window.actions["nav.next_frame"].trigger()
    qtbot.waitUntil(lambda: window.session.image.frame_index == 2)
    window.actions["cine.set_es"].trigger()
    frames = window.project.list_images(limit=10)
    assert [f.is_ed for f in frames] == [False, True, False]
    assert [f.is_es for f in frames] == [False, False, True]
    assert "ED 1  ES 2" in window.cine.frame_label.text()
    assert window.browser.model.data(window.browser.model.index(1, 3)) == "ED"


def test_next_image_needing_my_reading_skips_submitted_ones(qtbot, tmp_path):
    path, truths = make_project(tmp_path / "p.sphericity", n_frames=3)
    window = open_window(qtbot, path)
    place_reading(window, truths[0])
    window.session.submit()
    window.actions["nav.next_needing"].trigger()
    qtbot.waitUntil(lambda: window.session.image.frame_index == 1)
    place_reading(window, truths[1])
    window.session.submit()
    window.actions["nav.next_needing"].trigger()
    qtbot.waitUntil(lambda: window.session.image.frame_index == 2)
    window.actions["nav.next_needing"].trigger()  # the only one left is the current image
    assert window.session.image.frame_index == 2


def test_window_level_is_remembered_per_series(qtbot, tmp_path):
    path, _ = make_project(tmp_path / "p.sphericity", n_frames=2)
    window = open_window(qtbot, path)
    window.canvas.set_window(500.0, 300.0)
    series_key = window.session.image.series_key
    assert AppSettings().window_level(series_key) == (500.0, 300.0)
    window.actions["nav.next_frame"].trigger()
    qtbot.waitUntil(lambda: window.session.image.frame_index == 1)
    assert window.canvas.window() == (500.0, 300.0)
    assert window.status.window_label.text() == "W/L 300 / 500"


def test_next_image_needing_my_reading_goes_on_past_the_first_500(qtbot, tmp_path):
    # More unread images than any one page of candidates: the next one after the current image
    # must come next, not the first unread image of the project.
    path = tmp_path / "big.sphericity"
    rng = np.random.default_rng(0)
    with Project.create(path) as project:
        series_id = project.add_series("cine-big", view="4CH")
        for index in range(520):
            pixels = rng.integers(0, 4000, (16, 16), dtype=np.uint16)
            project.add_image(series_id, pixels, frame_index=index, spacing=Spacing(1.5, 1.5))
    window = open_window(qtbot, path)
    ids = [i.id for i in window.project.list_images(limit=None, order_by="id")]
    window.open_image(ids[509])
    window.actions["nav.next_needing"].trigger()
    qtbot.waitUntil(lambda: window.session.image.id == ids[510])
    window.open_image(ids[-1])
    window.actions["nav.next_needing"].trigger()  # past the last one: back to the first
    qtbot.waitUntil(lambda: window.session.image.id == ids[0])
