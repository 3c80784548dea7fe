"""Fixtures of the store tests: a fresh project (SQLite and PostgreSQL), an annotator, frames."""

import pytest
from store_helpers import SPACING, frame

from core.store import Project


@pytest.fixture
def project(project_url):
    """A new, empty project on each back end (see `backend` in tests/conftest.py)."""
    with Project.create(project_url) as p:
        yield p


@pytest.fixture
def filled(project):
    """(project, annotator id, series id, image ids) with three frames of one series."""
    annotator = project.ensure_annotator("alice")
    series = project.add_series("series-1", source="synthetic")
    images = [
        project.add_image(series, frame(i), frame_index=i, spacing=SPACING, source="synthetic")[0]
        for i in range(3)
    ]
    return project, annotator, series, images
