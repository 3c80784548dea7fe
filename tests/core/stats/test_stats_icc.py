"""ICC(2,1) and its interval against Shrout & Fleiss (1979) and hand-worked cases."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.stats import icc_2_1, icc_ci

# Shrout & Fleiss (1979), Table 2: six targets rated by four judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_shrout_fleiss_published_icc_2_1():
    assert icc_2_1(SHROUT_FLEISS) == pytest.approx(0.29, abs=0.005)


def test_shrout_fleiss_interval_matches_published_software():
    # R psych::ICC on the same table reports ICC2 0.29 with 95 % bounds 0.019 and 0.76.
    low, high = icc_ci(SHROUT_FLEISS)
    assert low == pytest.approx(0.019, abs=0.001)
    assert high == pytest.approx(0.76, abs=0.005)


def test_two_by_two_by_hand():
    # [[1,2],[3,4]]: BMS = 4, JMS = 1, EMS = 0 -> (4 - 0) / (4 + 0 + 2 * (1 - 0) / 2) = 0.8
    assert icc_2_1([[1, 2], [3, 4]]) == pytest.approx(0.8)


def test_rater_offset_lowers_absolute_agreement():
    subjects = np.array([0.5, 0.6, 0.7, 0.55])
    assert icc_2_1(np.column_stack([subjects, subjects])) == pytest.approx(1.0)
    assert icc_2_1(np.column_stack([subjects, subjects + 0.1])) < 0.8


def test_incomplete_rows_and_degenerate_input():
    with_gap = [[1, 2], [3, 4], [5, np.nan]]
    assert icc_2_1(with_gap) == pytest.approx(0.8)
    assert math.isnan(icc_2_1([[1, 2]]))  # one subject
    assert math.isnan(icc_2_1([[1], [2]]))  # one rater
    assert math.isnan(icc_2_1([[3, 3], [3, 3]]))  # no variance at all
    assert all(math.isnan(v) for v in icc_ci([[3, 3], [3, 3]]))
    with pytest.raises(ValueError):
        icc_2_1([1, 2, 3])


def test_interval_at_other_confidences_nests():
    # scipy's F quantiles behind the interval: a wider confidence gives a wider interval.
    low90, high90 = icc_ci(SHROUT_FLEISS, confidence=0.90)
    low95, high95 = icc_ci(SHROUT_FLEISS, confidence=0.95)
    low99, high99 = icc_ci(SHROUT_FLEISS, confidence=0.99)
    assert low99 < low95 < low90 < icc_2_1(SHROUT_FLEISS) < high90 < high95 < high99


matrices = st.tuples(st.integers(2, 12), st.integers(2, 5)).flatmap(
    lambda nk: st.lists(
        st.lists(st.integers(0, 100), min_size=nk[1], max_size=nk[1]),
        min_size=nk[0],
        max_size=nk[0],
    ).map(lambda rows: np.array(rows, dtype=float) / 100)
)


@given(matrices, st.randoms(use_true_random=False))
def test_icc_ignores_order_of_subjects_and_raters(m, rnd):
    rows = list(range(m.shape[0]))
    cols = list(range(m.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    assert icc_2_1(m[rows][:, cols]) == pytest.approx(icc_2_1(m), abs=1e-9, nan_ok=True)


@given(matrices, st.integers(-300, 300), st.integers(1, 50))
def test_icc_ignores_units_and_origin(m, shift, scale):
    base = icc_2_1(m)
    assert icc_2_1(m * scale + shift / 100) == pytest.approx(base, abs=1e-9, nan_ok=True)


@given(matrices)
def test_interval_brackets_the_estimate(m):
    icc = icc_2_1(m)
    low, high = icc_ci(m)
    if not (0 < icc < 1):  # outside the approximation's domain it declines to answer
        assert math.isnan(low) and math.isnan(high)
        return
    assume(math.isfinite(low) and math.isfinite(high))
    assert low <= icc + 1e-9 and icc <= high + 1e-9
    assert icc <= 1.0 + 1e-12
