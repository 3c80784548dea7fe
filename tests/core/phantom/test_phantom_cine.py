"""Phantom cines: one anatomy through the cycle, ED not always first, ES smaller and rounder."""

from __future__ import annotations

import numpy as np
import pytest

from core.phantom import generate_cine
from core.phantom.generate import contraction_curve


@pytest.fixture(scope="module")
def cine():
    return generate_cine(4, n_frames=12)


def test_frames_share_the_grid_and_differ_in_phase(cine):
    first = cine.frames[0]
    assert len(cine.frames) == 12
    for f in cine.frames:
        assert f.pixels.shape == first.pixels.shape and f.spacing == first.spacing
        assert f.view == first.view and f.seed == cine.series_seed == 4
    assert [f.frame_index for f in cine.frames] == list(range(12))
    assert 700 / 12 <= cine.frame_interval_ms <= 1200 / 12


def test_ed_is_largest_and_es_smallest_and_less_spherical(cine):
    areas = [f.masks["lv"].sum() for f in cine.frames]
    ed, es = cine.frames[cine.ed_index], cine.frames[cine.es_index]
    assert ed.contraction == 0.0 and es.contraction == 1.0
    assert areas[cine.ed_index] == max(areas) and areas[cine.es_index] == min(areas)
    assert es.si < ed.si
    assert es.length_mm < ed.length_mm and es.width_mm < ed.width_mm
    # the wall thickens in systole
    assert (
        es.masks["myo"].sum() / es.masks["lv"].sum() > ed.masks["myo"].sum() / areas[cine.ed_index]
    )


def test_ed_is_not_always_the_first_frame():
    eds = {generate_cine(seed, n_frames=3, shape=(160, 160)).ed_index for seed in range(8)}
    assert eds != {0}


def test_cine_is_deterministic():
    a = generate_cine(9, n_frames=3, shape=(160, 170))
    b = generate_cine(9, n_frames=3, shape=(160, 170))
    assert (a.ed_index, a.es_index, a.frame_interval_ms) == (
        b.ed_index,
        b.es_index,
        b.frame_interval_ms,
    )
    assert all(np.array_equal(x.pixels, y.pixels) for x, y in zip(a.frames, b.frames, strict=True))


def test_contraction_curve_peaks_once_at_es():
    phase = np.linspace(0.0, 1.0, 201)[:-1]
    c = contraction_curve(phase, 0.35)
    assert c[0] == 0.0 and c.max() == pytest.approx(1.0) and c.min() >= 0.0
    assert phase[int(np.argmax(c))] == pytest.approx(0.35, abs=0.01)
    assert np.all(np.diff(c[phase <= 0.35]) >= 0)
