"""Preprocessing and augmentation keep the SI and move landmarks with the image."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_lv import ellipse_samples

from core.geometry import Landmarks, Spacing, measure
from model.augment import sample_batch
from model.cache import build_cache
from model.config import AugmentConfig
from model.preprocess import (
    array_landmarks,
    grid_matrix,
    landmarks_array,
    lv_centre,
    map_points,
    similarity_matrix,
    upright_matrix,
    warp,
)

LM = Landmarks(
    apex=(40.0, 10.0), hinge_a=(30.0, 50.0), hinge_b=(52.0, 52.0), w1=(28.0, 30.0), w2=(54.0, 31.0)
)


@pytest.mark.parametrize("spacing", [Spacing(1.0, 1.0), Spacing(1.8, 1.2)])
def test_isotropic_grid_keeps_si_for_anisotropic_pixels(spacing):
    m = grid_matrix((40.0, 30.0), spacing, 0.9, 64)
    in_grid = array_landmarks(map_points(np.linalg.inv(m), landmarks_array(LM)))
    assert measure(in_grid, Spacing.isotropic(0.9)).si == pytest.approx(measure(LM, spacing).si)


def test_augmented_landmarks_keep_si():
    samples = ellipse_samples(4, spacing=Spacing(2.0, 1.5))
    cache = build_cache(samples, size=48, coarse_size=48, fov_mm=110.0)
    rng = torch.Generator().manual_seed(3)
    cfg = AugmentConfig(rotation_deg=180.0, scale_range=(0.8, 1.25))
    for _ in range(5):
        _, pts = sample_batch(cache.fine, cache.fine_points, 48, cache.fine_mm_per_px, cfg, rng)
        for s, p in zip(samples, pts.numpy(), strict=True):
            lm = array_landmarks(p)
            # Scale changes mm per pixel but not the ratio: SI is unchanged.
            got = measure(lm, Spacing.isotropic(1.0)).si
            assert got == pytest.approx(s.si, rel=1e-4)


def test_landmarks_move_with_the_image():
    img = torch.zeros(1, 1, 41, 41)
    img[0, 0, 12, 30] = 1.0  # a bright dot at (x=30, y=12)
    pts = torch.tensor([[[30.0, 12.0]]])
    rng = torch.Generator().manual_seed(0)
    cfg = AugmentConfig(rotation_deg=180.0, scale_range=(1.0, 1.0), shift_mm=3.0, intensity=False)
    for _ in range(6):
        out, moved = sample_batch(img, pts, 41, 1.0, cfg, rng)
        row, col = divmod(int(out[0, 0].argmax()), 41)
        assert math.hypot(col - moved[0, 0, 0], row - moved[0, 0, 1]) < 1.0


def test_similarity_has_no_shear():
    m = similarity_matrix(64, angle_rad=0.7, scale=1.3, flip=True, shift_px=(3, -2))
    a = m[:2, :2]
    gram = a.T @ a
    assert gram[0, 1] == pytest.approx(0.0, abs=1e-12)
    assert gram[0, 0] == pytest.approx(gram[1, 1])


def test_warp_identity_returns_the_image():
    img = torch.rand(1, 1, 16, 16)
    out = warp(img, torch.eye(3, dtype=torch.float64)[None], 16)
    assert torch.allclose(out, img, atol=1e-5)


def test_pairs_are_named_by_side_and_flips_keep_the_convention():
    from model.preprocess import canonical_pairs

    pts = landmarks_array(LM)
    swapped = pts[[0, 2, 1, 4, 3]]
    assert np.allclose(canonical_pairs(swapped), canonical_pairs(pts))
    flip = similarity_matrix(64, flip=True)
    flipped = canonical_pairs(map_points(flip, pts))
    again = canonical_pairs(map_points(flip, canonical_pairs(pts)))
    assert np.allclose(flipped, again)
    # A and W1 lie on the same side of the axis in every canonical set.
    for p in (canonical_pairs(pts), flipped):
        m = (p[1] + p[2]) / 2
        u = p[0] - m
        side = [u[0] * (p[k] - m)[1] - u[1] * (p[k] - m)[0] for k in (1, 2, 3, 4)]
        assert side[0] > side[1] and side[2] > side[3]


@settings(max_examples=60, deadline=None)
@given(
    angle=st.floats(-math.pi, math.pi),
    row_mm=st.floats(0.6, 2.5),
    col_mm=st.floats(0.6, 2.5),
    flip=st.booleans(),
)
def test_upright_matrix_puts_the_apex_straight_above_the_valve(angle, row_mm, col_mm, flip):
    spacing = Spacing(row_mm, col_mm)
    # LM turned by `angle` in mm space, then expressed in pixels of this spacing.
    mm = landmarks_array(LM) * [1.0, 1.0]
    c, s = math.cos(angle), math.sin(angle)
    turned = (mm - mm.mean(axis=0)) @ np.array([[c, s], [-s, c]]) + 100.0
    if flip:
        turned[:, 0] = 200.0 - turned[:, 0]
    px = turned / [col_mm, row_mm]
    m = upright_matrix(px, spacing, 0.8, 96)
    grid = map_points(np.linalg.inv(m), px)
    apex, mid = grid[0], (grid[1] + grid[2]) / 2
    assert apex[0] == pytest.approx(mid[0], abs=1e-6)
    assert apex[1] < mid[1]
    assert np.allclose(lv_centre(grid), (96 - 1) / 2.0)
    got = measure(array_landmarks(grid), Spacing.isotropic(0.8)).si
    assert got == pytest.approx(measure(array_landmarks(px), spacing).si, rel=1e-9)


def test_fine_crops_are_upright_within_the_jitter():
    samples = ellipse_samples(6, spacing=Spacing(1.5, 1.0))
    cache = build_cache(samples, size=48, coarse_size=48, fov_mm=110.0)
    rng = torch.Generator().manual_seed(5)
    mm = cache.fine_mm_per_px
    _, plain = sample_batch(cache.fine, cache.fine_points, 48, mm, None, rng, upright=True)
    cfg = AugmentConfig(upright_jitter_deg=20.0)
    _, jittered = sample_batch(cache.fine, cache.fine_points, 48, mm, cfg, rng, upright=True)
    for pts, limit in ((plain.numpy(), 1e-4), (jittered.numpy(), 20.0 + 1e-4)):
        axis = pts[:, 0] - (pts[:, 1] + pts[:, 2]) / 2
        tilt = np.degrees(np.abs(np.arctan2(axis[:, 0], -axis[:, 1])))
        assert tilt.max() <= limit
