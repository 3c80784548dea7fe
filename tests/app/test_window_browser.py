"""The image browser: paging from the store, filters, sorting, refresh after a save."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.browser import PAGE_SIZE, ImageTableModel
from core.geometry import Landmarks, Spacing
from core.store import Project

LM = Landmarks((32.0, 8.0), (20.0, 56.0), (44.0, 56.0), (14.0, 32.0), (50.0, 32.0))


def _width(lm: Landmarks, half: float) -> Landmarks:
    return lm.replace(w1=(32.0 - half, 32.0), w2=(32.0 + half, 32.0))


@pytest.fixture
def project(tmp_path):
    """PAGE_SIZE + 30 tiny images; readers disagree on image 2, image 3 awaits review."""
    with Project.create(tmp_path / "b.sphericity") as project:
        rng = np.random.default_rng(0)
        with project.transaction() as repo:
            series = repo.add_series("s", view="2CH")
            for i in range(PAGE_SIZE + 30):
                pixels = rng.integers(0, 255, (64, 64), dtype=np.uint8)
                repo.add_image(series, pixels, frame_index=i, spacing=Spacing(1.0, 1.0))
        me = project.ensure_annotator("me")
        a = project.ensure_annotator("a")
        b = project.ensure_annotator("b")
        project.save_reading(1, me, LM)
        project.save_reading(2, a, _width(LM, 10.0))
        project.save_reading(2, b, _width(LM, 16.0))
        r = project.save_reading(3, a, LM)
        project.set_reading_status(r.id, "submitted", by_annotator_id=a, expected_version=1)
        r = project.save_reading(4, b, _width(LM, 12.0))
        project.set_reading_status(r.id, "approved", by_annotator_id=a, expected_version=1)
        yield project, me


def _ids(model) -> list[int]:
    return [model.image_at(row).id for row in range(model.rowCount())]


def test_pages_come_from_the_store_as_rows_are_shown(qtbot, project):
    project, me = project
    model = ImageTableModel(project, me)
    assert model.rowCount() == PAGE_SIZE + 30
    assert model.columnCount() == 9
    last = model.index(PAGE_SIZE + 29, 1)
    assert model.data(last) == str(PAGE_SIZE + 29)
    assert model.data(model.index(0, 4)) == "draft"  # my reading on image 1
    assert model.data(model.index(1, 5)) == "2"  # two readings on image 2
    assert model.data(model.index(3, 6)) == f"{project.reference_si(4):.3f}"
    assert model.row_of(PAGE_SIZE + 10) == PAGE_SIZE + 9


def test_filters(qtbot, project):
    project, me = project
    model = ImageTableModel(project, me)
    model.set_filter("needs_mine")
    assert model.rowCount() == PAGE_SIZE + 30  # a draft still needs my reading
    mine = project.reading(1, me)
    project.set_reading_status(mine.id, "submitted", by_annotator_id=me, expected_version=1)
    model.set_filter("needs_mine")
    assert model.rowCount() == PAGE_SIZE + 29 and 1 not in _ids(model)
    model.set_filter("needs_review")
    assert _ids(model) == [1, 3]
    spread = abs(project.reading(2, 2).si - project.reading(2, 3).si)
    model.set_filter("disagree", spread - 0.01)
    assert _ids(model) == [2]
    model.set_filter("disagree", spread + 0.01)
    assert _ids(model) == []


def test_sorting_by_reference_si_and_back_to_store_order(qtbot, project):
    project, me = project
    model = ImageTableModel(project, me)
    model.sort(6, Qt.SortOrder.AscendingOrder)
    assert _ids(model)[0] == 4  # the only image with a reference SI first; blanks last
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert _ids(model)[:2] == [PAGE_SIZE + 30, PAGE_SIZE + 29]
    model.sort(-1)
    assert _ids(model)[:3] == [1, 2, 3]


def test_refresh_image_after_a_save_updates_one_row(qtbot, project):
    project, me = project
    model = ImageTableModel(project, me)
    assert model.data(model.index(4, 4)) == "—"
    project.save_reading(5, me, LM)
    with qtbot.waitSignal(model.dataChanged):
        model.refresh_image(5)
    assert model.data(model.index(4, 4)) == "draft"
