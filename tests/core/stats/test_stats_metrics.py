"""Regression metrics and Bland–Altman against hand-worked values, plus their properties."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.stats import bland_altman, paired_finite, pearson_r, regression_metrics

PRED = [1.0, 2.0, 3.0, 4.0]
REF = [1.1, 1.9, 3.2, 3.8]


def test_regression_metrics_match_hand_computed_values():
    # errors pred - ref: -0.1, 0.1, -0.2, 0.2; ref mean 2.5; SS_tot = 1.96+0.36+0.49+1.69 = 4.5
    m = regression_metrics(PRED, REF)
    assert m["n"] == 4
    assert m["mse"] == pytest.approx(0.1 / 4)
    assert m["rmse"] == pytest.approx(math.sqrt(0.025))
    assert m["mae"] == pytest.approx(0.6 / 4)
    assert m["bias"] == pytest.approx(0.0, abs=1e-12)
    sd = math.sqrt(0.1 / 3)  # ddof=1
    assert m["loa_low"] == pytest.approx(-1.96 * sd)
    assert m["loa_high"] == pytest.approx(1.96 * sd)
    assert m["r2"] == pytest.approx(1 - 0.1 / 4.5)
    # deviations pred: -1.5 -0.5 0.5 1.5; ref: -1.4 -0.6 0.7 1.3 -> sum products 4.7
    assert m["pearson_r"] == pytest.approx(4.7 / math.sqrt(5 * 4.5))
    assert 0.9 < m["icc_2_1"] <= 1.0


def test_r2_is_against_reference_not_squared_correlation():
    # pred = 2 * ref correlates perfectly but is a poor fit: r2 must be negative here
    ref = [1.0, 2.0, 3.0]
    m = regression_metrics([2.0, 4.0, 6.0], ref)
    assert m["pearson_r"] == pytest.approx(1.0)
    # SS_res = 1 + 4 + 9 = 14, SS_tot = 2
    assert m["r2"] == pytest.approx(1 - 14 / 2)
    assert m["bias"] == pytest.approx(2.0)


def test_bland_altman_hand_computed():
    ba = bland_altman([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(ba.diff, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(ba.mean, [1.0, 1.5, 2.0])
    assert ba.bias == pytest.approx(1.0)
    assert ba.low == pytest.approx(1.0 - 1.96)
    assert ba.high == pytest.approx(1.0 + 1.96)
    assert ba.n == 3
    bias, low, high = ba  # unpacks as the three figures
    assert (bias, low, high) == (ba.bias, ba.low, ba.high)


def test_missing_values_drop_the_pair():
    m = regression_metrics([1.0, None, 3.0, float("nan"), 5.0], [1.0, 2.0, None, 4.0, 6.0])
    assert m["n"] == 2
    assert m["mse"] == pytest.approx(0.5)
    x, y = paired_finite([1, float("inf")], [2, 3])
    assert x.tolist() == [1.0] and y.tolist() == [2.0]


def test_undefined_statistics_are_nan_not_errors():
    empty = regression_metrics([], [])
    assert empty["n"] == 0
    assert all(math.isnan(v) for k, v in empty.items() if k != "n")
    one = regression_metrics([0.5], [0.6])
    assert one["mse"] == pytest.approx(0.01)
    assert math.isnan(one["loa_low"]) and math.isnan(one["pearson_r"]) and math.isnan(one["r2"])
    constant_ref = regression_metrics([0.4, 0.6], [0.5, 0.5])
    assert math.isnan(constant_ref["r2"]) and math.isnan(constant_ref["pearson_r"])


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in length"):
        regression_metrics([1.0, 2.0], [1.0])


# Values on a 0.01 grid keep variances either zero or well away from round-off.
values = st.lists(st.integers(0, 1000), min_size=3, max_size=30).map(
    lambda v: np.array(v, dtype=float) / 100
)
pairs = st.integers(3, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1000), min_size=n, max_size=n),
        st.lists(st.integers(0, 1000), min_size=n, max_size=n),
    ).map(lambda t: (np.array(t[0], float) / 100, np.array(t[1], float) / 100))
)


@given(values)
def test_identical_arrays_agree_perfectly(a):
    assume(np.ptp(a) > 0)
    m = regression_metrics(a, a)
    assert m["mse"] == 0 and m["mae"] == 0 and m["bias"] == 0
    assert m["loa_low"] == 0 and m["loa_high"] == 0
    assert m["r2"] == 1.0
    assert m["pearson_r"] == pytest.approx(1.0)
    assert m["icc_2_1"] == pytest.approx(1.0)


@given(pairs)
def test_symmetries(ab):
    a, b = ab
    m_ab, m_ba = regression_metrics(a, b), regression_metrics(b, a)
    for key in ("mse", "mae", "icc_2_1", "pearson_r"):
        assert m_ab[key] == pytest.approx(m_ba[key], nan_ok=True, abs=1e-12)
    ba_ab, ba_ba = bland_altman(a, b), bland_altman(b, a)
    assert ba_ab.bias == pytest.approx(-ba_ba.bias, abs=1e-12)
    assert ba_ab.low == pytest.approx(-ba_ba.high, abs=1e-12, nan_ok=True)


@given(pairs, st.integers(-500, 500), st.integers(1, 20))
def test_shift_and_scale_invariances(ab, shift_centi, scale):
    a, b = ab
    assume(np.ptp(a) > 0 and np.ptp(b) > 0)
    shift = shift_centi / 100
    m = regression_metrics(a, b)
    shifted = regression_metrics(a + shift, b + shift)
    scaled = regression_metrics(a * scale, b * scale)
    assert shifted["mse"] == pytest.approx(m["mse"], abs=1e-9)
    assert shifted["bias"] == pytest.approx(m["bias"], abs=1e-9)
    assert shifted["icc_2_1"] == pytest.approx(m["icc_2_1"], abs=1e-9)
    assert scaled["mse"] == pytest.approx(m["mse"] * scale**2, rel=1e-9, abs=1e-12)
    assert scaled["icc_2_1"] == pytest.approx(m["icc_2_1"], abs=1e-9)
    assert scaled["r2"] == pytest.approx(m["r2"], abs=1e-9)
    # correlation ignores any increasing affine map of one side
    assert pearson_r(a * scale + shift, b) == pytest.approx(m["pearson_r"], abs=1e-9)


@given(pairs)
def test_bounds(ab):
    a, b = ab
    m = regression_metrics(a, b)
    assert m["r2"] <= 1.0 or math.isnan(m["r2"])
    assert -1.0 <= m["pearson_r"] <= 1.0 or math.isnan(m["pearson_r"])
    assert m["icc_2_1"] <= 1.0 + 1e-12 or math.isnan(m["icc_2_1"])
    assert m["loa_low"] <= m["bias"] <= m["loa_high"]
    assert m["rmse"] >= m["mae"] - 1e-12
