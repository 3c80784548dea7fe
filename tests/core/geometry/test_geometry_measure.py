"""measure() and validate_landmarks(): the SI definition, its invariances and every rejection."""

import math
import re

import pytest
from geometry_strategies import canonical_landmarks, similarity, transform
from hypothesis import given
from hypothesis import strategies as st

from core.geometry import GeometryError, Landmarks, Spacing, measure, validate_landmarks

VALID = Landmarks(apex=(10, 0), hinge_a=(5, 40), hinge_b=(15, 40), w1=(0, 20), w2=(30, 20))


def test_vertical_axis_with_anisotropic_spacing():
    m = measure(VALID, Spacing(row_mm=2.0, col_mm=1.0))
    assert m.length_mm == pytest.approx(80.0)  # 40 rows x 2 mm
    assert m.width_mm == pytest.approx(30.0)  # 30 columns x 1 mm
    assert m.si == pytest.approx(0.375)


def test_tilted_axis_with_anisotropic_spacing_hand_computed():
    # col 1.0 mm, row 0.5 mm. In mm: apex (0, 0), M (30, 20), L = sqrt(1300).
    # W1 mm (11, 16), W2 mm (19, 4): D = 2 sqrt(52), perpendicular to (30, 20) in mm but not in
    # pixels. SI = 2 sqrt(52) / sqrt(1300) = 0.4 exactly.
    lm = Landmarks(apex=(0, 0), hinge_a=(25, 45), hinge_b=(35, 35), w1=(11, 32), w2=(19, 8))
    m = measure(lm, Spacing(row_mm=0.5, col_mm=1.0))
    assert m.length_mm == pytest.approx(math.sqrt(1300.0))
    assert m.width_mm == pytest.approx(2.0 * math.sqrt(52.0))
    assert m.si == pytest.approx(0.4)
    # The same pixels read with isotropic spacing give a different (wrong) SI: spacing matters.
    assert measure(lm, Spacing.isotropic(1.0)).si != pytest.approx(0.4, abs=1e-3)


@given(canonical_landmarks(), similarity(), st.floats(0.1, 5.0))
def test_si_invariant_under_similarity(case, fn, spacing_mm):
    lm, length, width = case
    spacing = Spacing.isotropic(spacing_mm)
    before = measure(lm, spacing)
    after = measure(transform(lm, fn), spacing)
    assert before.si == pytest.approx(width / length, rel=1e-9)
    assert after.si == pytest.approx(before.si, rel=1e-9)


@given(canonical_landmarks(), st.floats(0.2, 5.0), st.floats(0.2, 5.0))
def test_si_from_mm_coordinates(case, row_mm, col_mm):
    # Build the landmarks in mm, convert them to pixels with anisotropic spacing: same SI.
    lm_mm, length, width = case
    spacing = Spacing(row_mm, col_mm)
    lm_px = transform(lm_mm, spacing.to_px)
    m = measure(lm_px, spacing)
    assert m.length_mm == pytest.approx(length, rel=1e-9)
    assert m.width_mm == pytest.approx(width, rel=1e-9)


def test_shape_allows_the_half_pixel_border():
    lm = VALID.replace(w1=(-0.5, 20))
    assert measure(lm, Spacing.isotropic(1.0), shape=(41, 31)).width_mm == pytest.approx(30.5)


@pytest.mark.parametrize(
    ("changes", "shape", "message"),
    [
        ({"apex": (math.nan, 0)}, None, "apex has no valid position"),
        ({"w2": (30, math.inf)}, None, "width end W2 has no valid position"),
        ({"apex": (10, 40)}, None, "long axis has zero length"),
        ({"hinge_a": (10, 40), "hinge_b": (10, 40)}, None, "hinge A and B are at the same place"),
        ({"w1": (20, 20), "w2": (20, 20)}, None, "W1 and W2 are at the same place"),
        ({"w1": (12, 20), "w2": (30, 20)}, None, "opposite sides"),
        ({"w1": (10, 20)}, None, "opposite sides"),  # W1 exactly on the axis line
        ({"w1": (0, -5), "w2": (30, -5)}, None, "beyond the apex"),
        ({"w1": (0, 45), "w2": (30, 45)}, None, "below the mitral hinge midpoint"),
        ({"w1": (0, 20), "w2": (30, -70)}, None, "beyond the apex"),  # steep width
        ({}, (41, 30), "width end W2 at (30.0, 20.0) is off the image"),
        ({"apex": (10, -0.6)}, (41, 31), "apex at (10.0, -0.6) is off the image"),
    ],
)
def test_rejections(changes, shape, message):
    lm = VALID.replace(**changes)
    with pytest.raises(GeometryError, match=re.escape(message)):
        validate_landmarks(lm, shape)
    with pytest.raises(GeometryError, match=re.escape(message)):
        measure(lm, Spacing.isotropic(1.0), shape=shape)


def test_valid_landmarks_pass():
    validate_landmarks(VALID, (41, 31))


def test_landmarks_from_dict_rejects_bad_input():
    with pytest.raises(GeometryError, match="'w2' is missing"):
        Landmarks.from_dict({k: [0, 0] for k in ("apex", "hinge_a", "hinge_b", "w1")})
    with pytest.raises(GeometryError, match="two numbers"):
        Landmarks.from_dict({**VALID.to_dict(), "apex": "x"})


def test_spacing_accepts_numeric_types_and_rejects_nonsense():
    import numpy as np

    s = Spacing(np.float32(1.5), 2)
    assert (s.row_mm, s.col_mm) == (1.5, 2.0) and type(s.row_mm) is float
    assert s == Spacing(1.5, 2.0)
    for bad in (0.0, -1.0, math.nan, math.inf, "1.0", True, None):
        with pytest.raises(GeometryError, match="must be a positive number"):
            Spacing(bad, 1.0)


def test_landmarks_round_trip_through_dict():
    assert Landmarks.from_dict(VALID.to_dict()) == VALID
