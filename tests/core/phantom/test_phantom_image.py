"""Phantom images: determinism, realistic grids, tissue contrasts, cavity size and SI spread."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from core.phantom import generate_frame
from core.phantom.labels import LA_BLOOD, LV_MYO, RV_BLOOD, TISSUES

SEEDS = range(24)


@pytest.fixture(scope="module")
def frames():
    return [generate_frame(seed) for seed in SEEDS]


def test_same_seed_same_frame_and_other_seeds_differ():
    a, b, c = generate_frame(11), generate_frame(11), generate_frame(12)
    assert np.array_equal(a.pixels, b.pixels)
    assert a.landmarks == b.landmarks and a.si == b.si and a.spacing == b.spacing
    assert all(np.array_equal(a.masks[k], b.masks[k]) for k in a.masks)
    assert a.pixels.shape != c.pixels.shape or not np.array_equal(a.pixels, c.pixels)


def test_grid_is_a_realistic_chest_field_of_view(frames):
    shapes = set()
    for f in frames:
        rows, cols = f.pixels.shape
        assert f.pixels.dtype == np.uint16
        assert 156 <= rows <= 256 and 156 <= cols <= 256
        fov_mm = max(rows * f.spacing.row_mm, cols * f.spacing.col_mm)
        assert 279.9 <= fov_mm <= 440.1  # spacing is rounded to 6 decimals, as DICOM holds it
        assert 1.1 <= f.spacing.col_mm <= 2.0
        shapes.add((rows, cols))
    assert any(r != c for r, c in shapes), "matrices are often not square"
    assert len(shapes) > len(frames) // 2


def test_requested_shape_is_kept():
    f = generate_frame(3, shape=(200, 180))
    assert f.pixels.shape == (200, 180)
    assert all(m.shape == (200, 180) for m in f.masks.values())


def test_tissue_contrast_follows_real_ssfp(frames):
    myo, others = [], []
    for f in frames:
        p = f.pixels.astype(float)
        blood = np.median(p[_core(f.masks["lv"])])
        myo.append(np.median(p[_core(f.masks["myo"])]) / blood)
        for name in ("la", "rv"):
            inner = _core(f.masks[name])
            if inner.sum() > 20:
                others.append(np.median(p[inner]) / blood)
    # myocardium 0.3-0.4 of LV blood; atria and RV 0.85-1.25 (bias field and noise on top)
    assert min(myo) >= 0.27 and max(myo) <= 0.47
    assert 0.3 <= np.median(myo) <= 0.4
    assert min(others) >= 0.65 and max(others) <= 1.5  # the ranges times a +-20 % coil bias
    assert np.mean([0.85 <= r <= 1.25 for r in others]) >= 0.75
    # the drawn levels themselves are the documented ranges
    assert TISSUES[LV_MYO][0] == (0.3, 0.4)
    assert TISSUES[RV_BLOOD][0] == TISSUES[LA_BLOOD][0] == (0.85, 1.25)


def test_blood_is_not_flat(frames):
    spreads = []
    for f in frames[:8]:
        p = ndimage.gaussian_filter(f.pixels.astype(float), 1.5)  # look past the noise
        inner = _core(f.masks["lv"], 2) & ~ndimage.binary_dilation(f.masks["myo"], iterations=3)
        values = p[inner]
        spreads.append((np.percentile(values, 90) - np.percentile(values, 10)) / np.median(values))
    assert 0.08 <= np.median(spreads) <= 0.45


def test_lv_cavity_is_a_small_part_of_the_chest(frames):
    fractions = [f.masks["lv"].mean() for f in frames]
    normal = [f.masks["lv"].mean() for f in frames if f.si < 0.65]
    assert 0.015 <= np.median(normal) <= 0.04  # DESIGN.md: about 2-3 % of the frame
    assert min(fractions) >= 0.01 and max(fractions) <= 0.09  # dilated hearts take more
    lengths = [f.length_mm for f in frames]
    assert 80.0 <= np.median(lengths) <= 95.0
    assert all(65.0 <= v <= 125.0 for v in lengths)


def test_si_covers_normal_to_dilated(frames):
    si = [f.si for f in frames] + [generate_frame(s, shape=(160, 160)).si for s in range(200, 216)]
    assert min(si) <= 0.48 and max(si) >= 0.77
    assert min(si) >= 0.4 and max(si) <= 0.9


def test_views_and_their_chambers():
    four = generate_frame(1, view="4CH")
    two = generate_frame(1, view="2CH")
    assert four.view == "4CH" and two.view == "2CH"
    assert four.masks["rv"].sum() > 100 and two.masks["rv"].sum() == 0
    for f in (four, two):
        assert f.masks["la"].sum() > 50 and not (f.masks["la"] & f.masks["lv"]).any()
        assert not (f.masks["myo"] & f.masks["lv"]).any()
    with pytest.raises(ValueError):
        generate_frame(1, view="SAX")


def _core(mask, iterations=1):
    return ndimage.binary_erosion(mask, iterations=iterations)


def test_contact_sheet_tile_shows_frame_and_landmarks():
    from core.phantom.sheet import TILE, frame_tile

    frame = generate_frame(2)
    plain = np.asarray(frame_tile(frame, label=" "))
    marked = np.asarray(frame_tile(frame, landmarks=True, label=" "))
    assert plain.shape == marked.shape == (TILE, TILE, 3)
    assert plain.max() == 255 and (plain[..., 0] == plain[..., 2]).all()  # grey
    changed = np.any(plain != marked, axis=2)
    assert 60 < changed.sum() < 3000  # three thin lines: axis, annulus, width


def test_zoomed_tile_shows_the_heart_with_its_landmarks():
    from core.phantom.sheet import TILE, zoom_tile

    frame = generate_frame(2, family="shifted")
    tile = np.asarray(zoom_tile(frame, label=""))
    assert tile.shape == (TILE, TILE, 3)
    coloured = (tile[..., 0] != tile[..., 1]) | (tile[..., 1] != tile[..., 2])
    assert 60 < coloured.sum() < 3000  # the three landmark lines, all inside the enlarged box
    assert tile[~coloured].std() > 20  # the heart's greys, not an empty box
