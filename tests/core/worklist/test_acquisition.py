"""The acquisition score of a stored prediction: each signal scaled to 1 at its flag limit."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.acquisition import (
    ACQUISITION_TERMS,
    ACQUISITION_VERSION,
    TERM_CAP,
    acquisition,
    current,
    explain,
    run_distance_limit,
)
from core.model_si import MAX_AXIS_TURN_DEG, MAX_CENTRE_SHIFT_MM, MIN_AXIS_CONFIDENCE


def row(si_reg=0.55, si_lm=0.55, shift=0.0, turn=0.0, conf=0.8, distance=None, flags=()):
    confidence = {n: conf for n in ("apex", "hinge_a", "hinge_b", "w1", "w2")}
    confidence |= {"centre_shift_mm": shift, "axis_turn_deg": turn, "flags": list(flags)}
    confidence["feature_distance"] = distance
    return {"si_regression": si_reg, "si_landmarks": si_lm, "confidence": confidence}


def test_each_signal_is_one_at_its_flag_limit():
    heads = acquisition(row(si_reg=0.60, si_lm=0.55))
    assert heads["terms"]["heads"] == pytest.approx(1.0) and heads["why"] == "heads"
    passes = acquisition(row(shift=MAX_CENTRE_SHIFT_MM, turn=MAX_AXIS_TURN_DEG / 2))
    assert passes["terms"]["passes"] == pytest.approx(1.0) and passes["why"] == "passes"
    flat = acquisition(row(conf=MIN_AXIS_CONFIDENCE))
    assert flat["terms"]["confidence"] == pytest.approx(1.0) and flat["why"] == "confidence"
    far = acquisition(row(distance=300.0), distance_limit=150.0)
    assert far["terms"]["distance"] == pytest.approx(2.0) and far["why"] == "distance"
    out = acquisition(row(si_lm=1.2, si_reg=1.2))
    assert out["terms"]["si_range"] == 1.0


def test_score_is_the_sum_and_records_flags_and_version():
    acq = acquisition(row(si_reg=0.60, si_lm=0.55, shift=2.5, flags=["passes disagree"]))
    assert acq["score"] == pytest.approx(sum(acq["terms"].values()))
    assert acq["terms"]["passes"] == pytest.approx(0.5)
    assert acq["flagged"] and acq["version"] == ACQUISITION_VERSION and current(acq)
    assert not current({**acq, "version": ACQUISITION_VERSION - 1}) and not current(None)


def test_missing_signals_are_left_out_and_no_signal_gives_none():
    assert acquisition({"si_regression": 0.7}) is None
    old = acquisition({"si_regression": 0.7, "si_landmarks": 0.5, "confidence": {"apex": 0.9}})
    assert set(old["terms"]) == {"heads", "si_range"}  # no pass agreement stored then
    # no limit: the distance is not a term (a raw distance has no scale)
    assert "distance" not in acquisition(row(distance=500.0))["terms"]
    nan_si = acquisition(row(si_lm=math.nan))
    assert nan_si["terms"]["si_range"] == 1.0 and "heads" not in nan_si["terms"]


def test_run_distance_limit_and_explain():
    assert run_distance_limit({"feature_stats": {"limit": 120.5}}) == 120.5
    assert run_distance_limit({"feature_stats": {"limit": None}}) is None
    assert run_distance_limit(None) is None
    text = explain(acquisition(row(si_reg=0.65, si_lm=0.55)))
    assert "SI head" in text and "2.0x" in text


finite = st.floats(0, 1e6, allow_nan=False)


@given(
    si_reg=st.floats(-1, 3),
    si_lm=st.floats(-1, 3) | st.just(math.nan),
    shift=finite,
    turn=finite,
    conf=st.floats(0, 1),
    distance=finite,
    limit=st.none() | st.floats(1e-3, 1e4),
)
def test_terms_are_bounded_and_the_reason_is_the_largest(
    si_reg, si_lm, shift, turn, conf, distance, limit
):
    acq = acquisition(row(si_reg, si_lm, shift, turn, conf, distance), distance_limit=limit)
    terms = acq["terms"]
    assert set(terms) <= set(ACQUISITION_TERMS)
    assert all(0.0 <= v <= TERM_CAP for v in terms.values())
    assert terms[acq["why"]] == max(terms.values())
    assert acq["score"] == pytest.approx(sum(terms.values()), abs=1e-3)


@given(gap=st.floats(0, 0.5), more=st.floats(0.001, 0.5))
def test_score_grows_with_the_heads_disagreement(gap, more):
    low = acquisition(row(si_reg=0.5 + gap, si_lm=0.5))["score"]
    high = acquisition(row(si_reg=0.5 + gap + more, si_lm=0.5))["score"]
    assert high >= low
