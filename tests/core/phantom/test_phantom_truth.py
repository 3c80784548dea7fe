"""Phantom truth: the stored landmarks and SI are what the rendered cavity mask measures."""

from __future__ import annotations

import numpy as np
import pytest
from phantom_measure import measure_mask

from core.geometry import contour_measure, measure
from core.phantom import generate_frame


@pytest.mark.parametrize("seed", range(12))
def test_stored_si_matches_the_fine_cavity_mask(seed):
    # At ~0.6-0.9 mm pixels the mask resolves the cavity finely enough for 0.01.
    frame = generate_frame(seed, shape=(480, 480))
    got = measure_mask(frame.masks["lv"], frame.masks["la"], *_mm(frame))
    assert got["si"] == pytest.approx(frame.si, abs=0.01)
    assert got["length_mm"] == pytest.approx(frame.length_mm, abs=1.5)


def test_stored_si_matches_the_cavity_mask_at_scanner_resolution():
    # At 1.3-1.95 mm pixels the mask quantises sub-pixel ridges of the border: close on
    # average, never far.
    errors = []
    for seed in range(100, 116):
        frame = generate_frame(seed)
        got = measure_mask(frame.masks["lv"], frame.masks["la"], *_mm(frame))
        errors.append(abs(got["si"] - frame.si))
    assert np.median(errors) < 0.008
    assert max(errors) < 0.025


@pytest.mark.parametrize("seed", [3, 7])
def test_landmarks_follow_the_design_definitions(seed):
    frame = generate_frame(seed)
    lm, contour = frame.landmarks, np.asarray(frame.lv_contour)
    # hinge points are the ends of the annulus: the contour's first and last points
    assert lm.hinge_a == tuple(contour[0]) and lm.hinge_b == tuple(contour[-1])
    # apex: no cavity point lies farther (in mm) from the hinge midpoint
    scale = np.array([frame.spacing.col_mm, frame.spacing.row_mm])
    m = (np.asarray(lm.hinge_a) + np.asarray(lm.hinge_b)) / 2
    dist = np.linalg.norm((contour - m) * scale, axis=1)
    assert np.linalg.norm((np.asarray(lm.apex) - m) * scale) == pytest.approx(dist.max())
    # width: the widest perpendicular chord of the contour, perpendicular in mm
    chord = contour_measure(contour, lm, frame.spacing)
    assert frame.width_mm == pytest.approx(chord.width_mm, rel=1e-9)
    axis = (np.asarray(lm.apex) - m) * scale
    width = (np.asarray(lm.w2) - np.asarray(lm.w1)) * scale
    assert abs(axis @ width) / (np.linalg.norm(axis) * np.linalg.norm(width)) < 1e-6
    again = measure(lm, frame.spacing, shape=frame.pixels.shape)
    assert (again.si, again.length_mm, again.width_mm) == (
        frame.si,
        frame.length_mm,
        frame.width_mm,
    )


def test_anisotropic_spacing_keeps_the_truth_in_mm():
    frames = [generate_frame(s) for s in range(40)]
    aniso = [f for f in frames if f.spacing.row_mm != f.spacing.col_mm]
    assert aniso, "some phantoms must have anisotropic pixels"
    frame = aniso[0]
    got = measure_mask(frame.masks["lv"], frame.masks["la"], *_mm(frame))
    assert got["si"] == pytest.approx(frame.si, abs=0.02)


def test_si_target_is_reached():
    for target in (0.45, 0.6, 0.8):
        frame = generate_frame(5, si_target=target)
        assert frame.si == pytest.approx(target, abs=0.02)


def _mm(frame):
    return frame.spacing.row_mm, frame.spacing.col_mm
