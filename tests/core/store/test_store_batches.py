"""Batched reads (images, pixels_many) equal the one-at-a-time reads, across batch borders."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import SPACING, frame

from core.store import NotFoundError, Project, repo_images


@pytest.fixture(scope="module")
def seven(tmp_path_factory):
    path = tmp_path_factory.mktemp("batches") / "p.sphericity"
    with Project.create(path) as project:
        series = project.add_series("s")
        ids = [
            project.add_image(
                series,
                frame(k, shape=(8 + k, 9), dtype=np.uint16 if k % 2 else np.int16),
                frame_index=k,
                spacing=None if k == 3 else SPACING,
            )[0]
            for k in range(7)
        ]
    return path, ids


@settings(max_examples=25, deadline=None)
@given(picks=st.lists(st.integers(0, 6), max_size=10), batch=st.integers(1, 4))
def test_batched_reads_equal_single_reads(seven, picks, batch):
    path, ids = seven
    wanted = [ids[p] for p in picks]
    old = repo_images.BATCH_IDS
    repo_images.BATCH_IDS = batch  # several IN (...) queries even for a few ids
    try:
        with Project.open(path) as project:
            infos, pixels = project.images(wanted), project.pixels_many(wanted)
            assert list(infos) == list(dict.fromkeys(wanted))  # asked-for order, no repeats
            for image_id in wanted:
                assert infos[image_id] == project.image(image_id)
                single = project.pixels(image_id)
                assert pixels[image_id].dtype == single.dtype
                assert np.array_equal(pixels[image_id], single)
    finally:
        repo_images.BATCH_IDS = old


def test_a_missing_id_is_not_found(seven):
    path, ids = seven
    with Project.open(path) as project:
        with pytest.raises(NotFoundError, match="image 999"):
            project.images([ids[0], 999])
        with pytest.raises(NotFoundError, match="image 999"):
            project.pixels_many([999])
        assert project.images([]) == {} and project.pixels_many([]) == {}
