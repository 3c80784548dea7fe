"""Phantom families and the varied pose and scanner: exact truth whatever the pose, and a
shifted family that differs from base the documented ways."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phantom_measure import cavity_outline, measure_mask

from core.geometry import measure
from core.phantom import generate_frame
from core.phantom import labels as lab
from core.phantom.acquisition import draw_pose
from core.phantom.family import BASE, FAMILIES, SHIFTED, family


@settings(max_examples=12, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10**6), fam=st.sampled_from(FAMILIES))
def test_truth_is_what_the_label_map_measures_in_any_pose(seed, fam):
    frame = generate_frame(seed, family=fam)
    got = measure_mask(frame.masks["lv"], frame.masks["la"], *_mm(frame))
    assert got["si"] == pytest.approx(frame.si, abs=0.03)
    assert got["length_mm"] == pytest.approx(frame.length_mm, abs=3.0)
    # every landmark lies on the compact cavity border of the label map (within pixel
    # quantisation of a thin apex) and inside the image
    outline = cavity_outline(frame.masks["lv"])
    rows, cols = frame.pixels.shape
    for point in frame.landmarks.points():
        assert np.min(np.linalg.norm(outline - np.asarray(point), axis=1)) < 1.5
        assert 0 <= point[0] <= cols - 1 and 0 <= point[1] <= rows - 1
    again = measure(frame.landmarks, frame.spacing, shape=frame.pixels.shape)
    assert again.si == frame.si


def test_pose_draws_rotations_quarter_turns_and_flips_at_the_family_rates():
    for fam in (BASE, SHIFTED):
        rng = np.random.default_rng(0)
        poses = [draw_pose(rng, fam) for _ in range(3000)]
        flipped = np.mean([np.linalg.det(m) < 0 for m in poses])
        p_odd = fam.p_flip_lr * (1 - fam.p_flip_ud) + fam.p_flip_ud * (1 - fam.p_flip_lr)
        assert flipped == pytest.approx(p_odd, abs=0.03)
        # angle of the body's x axis on screen, up to the flips: mostly within the planning
        # range, a quarter or half turn off at the family's rate
        angles = np.degrees([np.arctan2(abs(m[1, 0]), abs(m[0, 0])) for m in poses])
        within = np.mean(
            [abs(m[0, 0]) >= np.cos(np.radians(fam.rotation_deg)) - 1e-9 for m in poses]
        )
        assert within >= 1.0 - fam.p_quarter_turn - 0.03
        assert angles.max() > 60.0  # quarter turns happen


@pytest.mark.slow
def test_the_long_axis_points_every_way_in_the_shifted_family():
    quadrants, handedness = set(), set()
    for seed in range(40):
        f = generate_frame(seed, shape=(128, 128), family="shifted")
        lm = f.landmarks
        m = (np.asarray(lm.hinge_a) + np.asarray(lm.hinge_b)) / 2
        axis = np.asarray(lm.apex) - m
        quadrants.add((bool(axis[0] > 0), bool(axis[1] > 0)))
        # which side of the axis hinge A (septal) lies on: mirrored frames swap it
        side = np.asarray(lm.hinge_a) - m
        handedness.add(bool(axis[0] * side[1] - axis[1] * side[0] > 0))
    assert len(quadrants) == 4 and handedness == {True, False}


@pytest.fixture(scope="module")
def pairs():
    return [(generate_frame(s), generate_frame(s, family="shifted")) for s in range(8)]


def test_shifted_differs_from_base_in_contrast_noise_and_resolution(pairs):
    def contrast(f):
        p = f.pixels.astype(float)
        from scipy import ndimage

        blood = np.median(p[ndimage.binary_erosion(f.tissue_labels == lab.LV_BLOOD, iterations=2)])
        return np.median(p[ndimage.binary_erosion(f.masks["myo"])]) / blood

    base = [contrast(b) for b, _ in pairs]
    shifted = [contrast(s) for _, s in pairs]
    assert np.median(shifted) > np.median(base) + 0.05  # a flatter myocardium-blood contrast
    assert np.mean([s.spacing.col_mm for _, s in pairs]) > np.mean(
        [b.spacing.col_mm for b, _ in pairs]
    )


def test_same_seed_different_family_is_a_different_phantom(pairs):
    base, shifted = pairs[0]
    assert base.family == "base" and shifted.family == "shifted"
    assert base.si != shifted.si


def test_family_by_name():
    assert family("base") is BASE and family("shifted") is SHIFTED
    with pytest.raises(ValueError, match="family"):
        generate_frame(1, family="scanner-x")


def test_family_table_in_the_docstring_matches_the_values():
    import core.phantom.family as module

    doc = module.__doc__
    for fam in (BASE, SHIFTED):
        assert f"{fam.myo_level[0]:.2f}-{fam.myo_level[1]:.2f}" in doc
        assert f"{fam.phase_kspace[0]:.2f}-{fam.phase_kspace[1]:.2f}" in doc


def _mm(frame):
    return frame.spacing.row_mm, frame.spacing.col_mm
