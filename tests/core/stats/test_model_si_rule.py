"""The model SI of a stored prediction: the run's better estimate, regression where flagged."""

import math

from core.model_si import model_si, model_si_field, prediction_flags, run_si_kind

ROW = {"si_regression": 0.61, "si_landmarks": 0.58, "confidence": {"apex": 0.4, "flags": []}}
FLAGGED = {**ROW, "confidence": {"apex": 0.4, "flags": ["the model's passes disagree"]}}


def test_landmark_runs_use_the_landmarks_unless_flagged():
    assert model_si(ROW, "landmarks") == 0.58
    assert model_si(FLAGGED, "landmarks") == 0.61
    assert prediction_flags(FLAGGED) == ["the model's passes disagree"]


def test_regression_runs_and_unknown_kinds_use_the_regression_head():
    assert model_si(ROW, "regression") == 0.61
    assert model_si(FLAGGED, "regression") == 0.61
    assert model_si(ROW, None) == 0.61
    assert model_si_field(None) == "si_regression"


def test_rows_without_confidence_or_values():
    assert model_si(None, "landmarks") is None
    assert (
        model_si({"si_regression": 0.5, "si_landmarks": 0.4, "confidence": None}, "landmarks")
        == 0.4
    )
    assert model_si({"si_regression": 0.5, "si_landmarks": math.nan}, "landmarks") is None
    assert model_si({"si_regression": None, "si_landmarks": 0.4}, "regression") is None
    assert prediction_flags({"confidence": None}) == []


def test_a_runs_kind_comes_from_its_row_else_its_metrics():
    from types import SimpleNamespace

    assert run_si_kind(SimpleNamespace(model_si_kind="landmarks", metrics={})) == "landmarks"
    row_less = SimpleNamespace(model_si_kind=None, metrics={"model_si_kind": "landmarks"})
    assert run_si_kind(row_less) == "landmarks"
    assert run_si_kind(SimpleNamespace(model_si_kind=None, metrics=None)) is None
    assert run_si_kind(None) is None
