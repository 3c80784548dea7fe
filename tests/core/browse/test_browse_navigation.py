"""Browser rules without a window: reading summaries, the next image needing a reading, ED/ES."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.browse import CANDIDATE_PAGE, mark_frame, next_needing_reading, summarize
from core.geometry import Landmarks, Spacing
from core.store import Project

LANDMARKS = Landmarks((8.0, 2.0), (5.0, 13.0), (11.0, 13.0), (4.0, 8.0), (12.0, 8.0))


def _project(path, n_images: int):
    project = Project.create(path)
    rng = np.random.default_rng(0)
    with project.transaction() as repo:
        series = repo.add_series("S")
        for index in range(n_images):
            pixels = rng.integers(0, 4000, (16, 16), dtype=np.uint16)
            repo.add_image(series, pixels, frame_index=index, spacing=Spacing(1.5, 1.5))
    ids = [i.id for i in project.list_images(limit=None, order_by="id")]
    return project, ids


def test_summary_counts_readings_and_my_status():
    rows = [
        SimpleNamespace(image_id=1, annotator_id=7, si=0.5, status="draft"),
        SimpleNamespace(image_id=1, annotator_id=8, si=0.6, status="approved"),
        SimpleNamespace(image_id=2, annotator_id=8, si=None, status="draft"),
    ]
    summary = summarize(rows, 7)
    assert summary[1].count == 2 and summary[1].my_status == "draft"
    assert summary[1].spread == pytest.approx(0.1)
    assert summary[2].count == 1 and summary[2].my_status is None and summary[2].spread == 0.0


@given(st.lists(st.floats(0.3, 0.9), min_size=1, max_size=6))
def test_spread_is_the_range_of_reader_sis(sis):
    rows = [
        SimpleNamespace(image_id=1, annotator_id=i, si=s, status="x") for i, s in enumerate(sis)
    ]
    spread = summarize(rows, -1)[1].spread
    assert spread == pytest.approx(max(sis) - min(sis)) and spread >= 0.0


def test_next_needing_reading_goes_past_the_first_page(tmp_path):
    # More unread images than one page of candidates: the one after the current comes next.
    project, ids = _project(tmp_path / "p.sphericity", CANDIDATE_PAGE + 20)
    with project:
        me = project.ensure_annotator("ann")
        assert next_needing_reading(project, me, ids[CANDIDATE_PAGE + 5]) == ids[CANDIDATE_PAGE + 6]
        assert next_needing_reading(project, me, ids[CANDIDATE_PAGE - 1]) == ids[CANDIDATE_PAGE]
        assert next_needing_reading(project, me, ids[-1]) == ids[0]  # wraps to the start
        assert next_needing_reading(project, me, None) == ids[0]


def test_next_needing_reading_skips_done_readings_and_the_current_image(tmp_path):
    project, ids = _project(tmp_path / "p.sphericity", 4)
    with project:
        me, other = project.ensure_annotator("ann"), project.ensure_annotator("ben")
        project.save_reading(ids[1], me, LANDMARKS, status="submitted")
        project.save_reading(ids[2], me, LANDMARKS, status="draft")  # a draft still needs it
        project.save_reading(ids[3], other, LANDMARKS, status="approved")  # not mine
        assert next_needing_reading(project, me, ids[0]) == ids[2]
        project.save_reading(ids[0], me, LANDMARKS, status="approved")
        project.save_reading(ids[3], me, LANDMARKS, status="submitted")
        assert next_needing_reading(project, me, ids[3]) == ids[2]
        assert next_needing_reading(project, me, ids[2]) is None  # only the current one is left


def test_mark_frame_moves_the_series_flag(tmp_path):
    project, ids = _project(tmp_path / "p.sphericity", 3)
    with project:
        assert mark_frame(project, ids[1], "ed").is_ed
        info = mark_frame(project, ids[2], "ed")
        assert info.is_ed and not project.image(ids[1]).is_ed
        assert mark_frame(project, ids[0], "es").is_es
        with pytest.raises(ValueError, match="'ed' or 'es'"):
            mark_frame(project, ids[0], "ef")
