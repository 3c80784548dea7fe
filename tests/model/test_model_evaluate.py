"""Evaluation against hand-computed values: SI metrics via core.stats, landmark errors in mm."""

import numpy as np
import pytest
from synthetic_lv import SPACING, ellipse_project

from core.geometry import LANDMARK_NAMES as NAMES
from core.geometry import Spacing
from core.store import Project
from model.evaluate import evaluate, landmark_errors_mm, store_evaluation
from model.infer import Prediction
from model.si import si_from_landmarks


class _KnownPredictor:
    """Predicts each reading's landmarks shifted one column right and its SI plus an offset."""

    model_si_kind = "regression"

    def __init__(self, readings: dict, offsets: dict) -> None:
        self.readings, self.offsets = readings, offsets
        self.order = sorted(readings)  # load_samples hands out images in id order

    def predict(self, frames, batch=32):
        out = []
        for image_id in self.order[: len(frames)]:
            r = self.readings[image_id]
            lm = r.landmarks
            shifted = lm.replace(**{n: (getattr(lm, n)[0] + 1.0, getattr(lm, n)[1]) for n in NAMES})
            si = r.si + self.offsets[image_id]
            conf = dict.fromkeys(NAMES, 1.0)
            out.append(
                Prediction(si, si, si_from_landmarks(shifted, SPACING), shifted, conf, np.eye(3))
            )
        return out


def test_landmark_errors_use_the_spacing():
    from synthetic_lv import ellipse_frame

    _, lm, _ = ellipse_frame(0)
    moved = lm.replace(apex=(lm.apex[0] + 3.0, lm.apex[1] + 4.0))
    err = landmark_errors_mm(moved, lm, Spacing(1.0, 2.0))
    assert err["apex"] == pytest.approx(np.hypot(3.0 * 2.0, 4.0 * 1.0))
    assert err["w1"] == 0.0


def test_perpendicular_width_si_of_exact_landmarks_is_their_si():
    from synthetic_lv import ellipse_frame

    _, lm, si = ellipse_frame(4)
    assert si_from_landmarks(lm, SPACING) == pytest.approx(si, rel=1e-9)
    # A width end slid along the axis keeps the perpendicular width, so the SI.
    tilted = lm.replace(w1=(lm.w1[0] + 2.0, lm.w1[1] + 1.0))
    assert np.isfinite(si_from_landmarks(tilted, SPACING))


def test_evaluate_matches_hand_computed_metrics(tmp_path):
    path = ellipse_project(tmp_path / "p.sphericity", n_series=6, frames_per_series=1)
    with Project.open(path) as project:
        samples = {r.image_id: r for r in project.readings(status=["approved"])}
        ids = sorted(samples)
        offsets = dict(zip(ids, [0.02, -0.02, 0.01, -0.01, 0.03, 0.0], strict=True))
        predictor = _KnownPredictor(samples, offsets)
        run_id = project.add_run({}, device="cpu", data_snapshot={})
        run = project.run(run_id)
        metrics, rows = evaluate(project, run, predictor, split=None)
        store_evaluation(project, run, metrics)
        stored = project.run(run_id).metrics["evaluation"]["all"]
        assert len(project.predictions(run_id)) == 6
    d = np.array([offsets[i] for i in ids])
    assert metrics["regression"]["mse"] == pytest.approx(np.mean(d**2))
    assert metrics["regression"]["mae"] == pytest.approx(np.mean(np.abs(d)))
    assert metrics["regression"]["bias"] == pytest.approx(np.mean(d))
    assert metrics["regression"]["loa_high"] == pytest.approx(np.mean(d) + 1.96 * np.std(d, ddof=1))
    # Every point moved one column: 2 mm at 2 mm per column.
    assert metrics["landmark_error_mm_median"] == pytest.approx(2.0)
    assert metrics["landmarks"]["mse"] == pytest.approx(0.0, abs=1e-12)  # a shift keeps SI
    assert stored["n_images"] == 6 and [r["image_id"] for r in rows] == ids


def test_evaluate_reports_each_subject_once(tmp_path):
    """3 series of 2 frames: per-subject rows average the frames, and one vote per subject."""
    path = ellipse_project(tmp_path / "p.sphericity", n_series=3, frames_per_series=2)
    with Project.open(path) as project:
        samples = {r.image_id: r for r in project.readings(status=["approved"])}
        ids = sorted(samples)
        offsets = dict(zip(ids, [0.02, 0.04, -0.01, -0.03, 0.0, 0.06], strict=True))
        run = project.run(project.add_run({}, device="cpu", data_snapshot={}))
        metrics, rows = evaluate(project, run, _KnownPredictor(samples, offsets), split=None)
    assert [g["subject"] for g in metrics["subjects"]] == ["series 1", "series 2", "series 3"]
    assert [g["n_images"] for g in metrics["subjects"]] == [2, 2, 2]
    assert [g["bias"] for g in metrics["subjects"]] == pytest.approx([0.03, -0.02, 0.03])
    assert metrics["subjects"][0]["rmse"] == pytest.approx(np.sqrt((0.02**2 + 0.04**2) / 2))
    assert metrics["per_subject"]["n"] == 3
    assert metrics["per_subject"]["bias"] == pytest.approx((0.03 - 0.02 + 0.03) / 3)
    assert {r["subject"] for r in rows} == {"series 1", "series 2", "series 3"}
