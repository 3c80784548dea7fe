"""Anatomy inside the cavity: papillary muscles and trabeculae stay within the compact cavity
border, never move the truth, and count as cavity in the label maps."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from core.phantom import chambers, generate_cine, generate_frame
from core.phantom import labels as lab


@pytest.mark.parametrize("family", ["base", "shifted"])
@pytest.mark.parametrize("seed", [0, 5, 13])
def test_papillary_muscles_and_trabeculae_lie_inside_the_compact_cavity(seed, family):
    frame = generate_frame(seed, family=family)
    inside = frame.tissue_labels == lab.PAPILLARY
    assert inside.sum() > 20, "every heart has papillary muscles and trabeculae"
    assert not (inside & ~frame.masks["lv"]).any()
    # they sit against the wall: every piece touches the cavity border
    border = frame.masks["lv"] & ~ndimage.binary_erosion(frame.masks["lv"])
    pieces, n = ndimage.label(inside)
    touching = np.unique(pieces[border & inside])
    assert set(touching[touching > 0]) == set(range(1, n + 1))


def test_shifted_hearts_are_more_trabeculated():
    def share(family):
        frames = [generate_frame(s, family=family, shape=(160, 160)) for s in range(6)]
        return np.mean(
            [(f.tissue_labels == lab.PAPILLARY).sum() / f.masks["lv"].sum() for f in frames]
        )

    base, shifted = share("base"), share("shifted")
    assert 0.04 < base < shifted < 0.45


@pytest.mark.parametrize("family", ["base", "shifted"])
def test_the_truth_does_not_depend_on_what_lies_inside_the_cavity(monkeypatch, family):
    with_anatomy = generate_frame(21, family=family)
    original = chambers._cavity_details

    def no_inside(*args, **kwargs):
        _, over = original(*args, **kwargs)
        return [], over

    monkeypatch.setattr(chambers, "_cavity_details", no_inside)
    bare = generate_frame(21, family=family)
    assert not (bare.tissue_labels == lab.PAPILLARY).any()
    assert not np.array_equal(bare.pixels, with_anatomy.pixels)
    assert bare.landmarks == with_anatomy.landmarks
    assert (bare.si, bare.length_mm, bare.width_mm) == (
        with_anatomy.si,
        with_anatomy.length_mm,
        with_anatomy.width_mm,
    )
    assert np.array_equal(bare.masks["lv"], with_anatomy.masks["lv"])


def test_the_four_chamber_label_map_counts_papillary_muscles_as_cavity():
    frame = generate_frame(2, view="4CH")
    layout = lab.four_chamber_map(frame.masks)
    papillary = frame.tissue_labels == lab.PAPILLARY
    assert papillary.any() and (layout[papillary] == 1).all()
    assert np.array_equal(layout == 1, frame.masks["lv"])
    assert np.array_equal(layout == 2, frame.masks["myo"] & ~frame.masks["lv"])
    for value in (3, 4, 5):
        assert (layout == value).sum() > 50, f"label {value} present in a 4-chamber frame"
    assert not (frame.masks["myo"] & frame.masks["lv"]).any()


def test_papillary_muscles_are_myocardium_dark():
    levels = []
    for seed in range(4):
        frame = generate_frame(seed, view="4CH")
        p = ndimage.median_filter(frame.pixels.astype(float), 3)
        pap = ndimage.binary_erosion(frame.tissue_labels == lab.PAPILLARY)
        blood = ndimage.binary_erosion(frame.tissue_labels == lab.LV_BLOOD, iterations=2)
        if pap.sum() >= 3:
            levels.append(np.median(p[pap]) / np.median(p[blood]))
    assert levels and max(levels) < 0.75


def test_leaflets_move_with_the_phase_and_anatomy_stays_inside_in_every_frame():
    cine = generate_cine(4, n_frames=10, shape=(180, 180))
    valves = []
    for f in cine.frames:
        assert not ((f.tissue_labels == lab.PAPILLARY) & ~f.masks["lv"]).any()
        valves.append(f.tissue_labels == lab.VALVE)
    assert all(v.sum() > 3 for v in valves)
    assert any(not np.array_equal(valves[0], v) for v in valves[1:])
