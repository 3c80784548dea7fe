"""Pixel cache within its byte budget, and neighbours decoded by the prefetch thread."""

from __future__ import annotations

import numpy as np

from app.frames import FrameSource, PixelCache
from core.store import Project


def test_cache_evicts_least_recently_used_beyond_its_budget():
    cache = PixelCache(budget_bytes=3 * 100)
    for i in range(3):
        cache.put(i, np.zeros(100, np.uint8))
    cache.get(0)  # 0 is now the most recently used
    cache.put(3, np.zeros(100, np.uint8))
    assert 1 not in cache and 0 in cache and 3 in cache
    assert cache.nbytes == 300
    cache.put(9, np.zeros(1000, np.uint8))  # bigger than the whole budget: not kept
    assert 9 not in cache and cache.nbytes == 300


def test_prefetch_decodes_neighbours_in_the_background(qtbot, tmp_path):
    with Project.create(tmp_path / "f.sphericity") as project:
        series = project.add_series("s")
        frames = [np.full((32, 32), i, np.uint16) for i in range(4)]
        ids = [
            project.add_image(series, f, frame_index=i, spacing=None)[0]
            for i, f in enumerate(frames)
        ]
        source = FrameSource(project)
        try:
            assert source.pixels(ids[0])[0, 0] == 0
            source.prefetch(ids[1:])
            qtbot.waitUntil(lambda: all(i in source.cache for i in ids), timeout=5000)
            assert [int(source.cache.get(i)[0, 0]) for i in ids] == [0, 1, 2, 3]
        finally:
            source.close()
