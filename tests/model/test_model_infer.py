"""Prediction: folded batch norm, bf16 weights, refining passes, agreement and flags, files."""

import math

import numpy as np
import pytest
import torch
from PIL import Image
from synthetic_lv import SPACING, ellipse_frame

from core.geometry import Spacing
from core.imaging import ImageReadError
from model.config import TrainConfig
from model.device import choose_device, cpu_has_fast_bf16
from model.infer import (
    MAX_AXIS_TURN_DEG,
    MAX_CENTRE_SHIFT_MM,
    Predictor,
    pass_agreement,
    plausibility_flags,
)
from model.network import SIModel, fused_for_inference
from model.predict import predict_files, read_frames

CFG = TrainConfig(size=64, coarse_size=64, fov_mm=100.0)
POINTS = np.array([[50.0, 10.0], [40.0, 60.0], [60.0, 60.0], [38.0, 35.0], [62.0, 35.0]])


def _trained_like_model() -> SIModel:
    """A model whose batch norms hold non-trivial statistics and a non-zero regression head."""
    torch.manual_seed(0)
    model = SIModel()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(6, 1, 64, 64) * 2)
        torch.nn.init.normal_(model.si_head[-1].weight, std=0.05)
    return model.eval()


@pytest.mark.slow  # a ResNet50
def test_folded_batch_norm_gives_the_same_outputs():
    model = _trained_like_model()
    fused = fused_for_inference(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())  # a copy
    x = torch.rand(3, 1, 64, 64)
    with torch.no_grad():
        a, b = model(x), fused(x)
    assert torch.allclose(a["si"], b["si"], atol=1e-5)
    assert torch.allclose(a["heatmaps"], b["heatmaps"], atol=1e-4)
    assert a["si"].std() > 0  # the regression head is not a constant here


@pytest.mark.slow  # a ResNet50
@pytest.mark.skipif(not cpu_has_fast_bf16(), reason="this CPU has no fast bf16: fp32 predicts")
def test_bf16_weights_predict_what_float32_predicts():
    model = _trained_like_model()
    fast = Predictor(model, CFG, choose_device("cpu"))
    exact = Predictor(model, CFG, choose_device("cpu", amp=False))
    assert fast.dtype == torch.bfloat16 and exact.dtype is None
    assert fast.model.si_head[0].weight.dtype == torch.float32  # SI keeps its precision
    x = torch.rand(4, 1, 64, 64)
    with torch.no_grad():
        a, b = fast.forward(x), exact.forward(x)
    assert torch.allclose(a["si"].float(), b["si"], atol=2e-3)
    assert (a["si"].float() - b["si"]).abs().max() < 0.01
    pa = torch.softmax(a["heatmaps"].float().flatten(2), -1)
    pb = torch.softmax(b["heatmaps"].flatten(2), -1)
    assert (pa - pb).abs().sum(-1).max() < 0.05  # the heatmaps hardly move


@pytest.mark.slow  # a ResNet50
@pytest.mark.parametrize("refine", [0, 1, 2])
def test_each_refining_pass_is_one_more_forward(refine):
    loaded = Predictor(SIModel(), CFG, choose_device("cpu", amp=False))
    predictor = loaded.with_refine(refine)
    assert predictor.config.refine == refine
    assert loaded.config.refine == TrainConfig().refine  # the loaded run's config is left alone
    calls = []
    predictor.model.register_forward_hook(lambda *_: calls.append(1))
    pixels, _, _ = ellipse_frame(3)
    spacing = SPACING
    (pred,) = predictor.predict([(pixels, spacing)])
    assert len(calls) == 2 + refine  # localising pass, fine pass, refining passes
    # Two fine passes measure their agreement; a single one has nothing to compare with.
    measured = [math.isfinite(v) for v in (pred.centre_shift_mm, pred.axis_turn_deg)]
    assert measured == [refine > 0] * 2


def test_checkpoints_from_before_the_upright_pose_keep_their_pose():
    old = TrainConfig().to_dict()
    del old["fine_pose"]
    assert TrainConfig.from_dict(old).fine_pose == "mean"
    assert TrainConfig.from_dict(TrainConfig().to_dict()).fine_pose == "upright"


def test_pass_agreement_against_hand_computed_values():
    moved = POINTS + np.array([3.0, 4.0])
    shift, turn = pass_agreement(POINTS, moved, Spacing(1.0, 1.0))
    assert shift == pytest.approx(5.0) and turn == pytest.approx(0.0, abs=1e-6)
    shift, _ = pass_agreement(POINTS, moved, Spacing(2.0, 0.5))  # rows 2 mm, columns 0.5 mm
    assert shift == pytest.approx(math.hypot(1.5, 8.0))
    centre = (POINTS[0] + (POINTS[1] + POINTS[2]) / 2) / 2
    turned = (POINTS - centre) @ np.array([[0.0, 1.0], [-1.0, 0.0]]) + centre  # 90 degrees
    shift, turn = pass_agreement(POINTS, turned, Spacing(1.0, 1.0))
    assert shift == pytest.approx(0.0, abs=1e-9) and turn == pytest.approx(90.0)


def test_each_flag_fires_on_its_own():
    good = np.array([0.4, 0.3, 0.3, 0.1, 0.1])
    assert plausibility_flags(0.55, good, 0.5, 0.5) == ()
    assert "outside" in plausibility_flags(1.4, good, 0.5, 0.5)[0]
    assert "outside" in plausibility_flags(float("nan"), good, 0.5, 0.5)[0]
    assert "disagree" in plausibility_flags(0.55, good, MAX_CENTRE_SHIFT_MM + 1, 0.5)[0]
    assert "disagree" in plausibility_flags(0.55, good, 0.5, MAX_AXIS_TURN_DEG + 1)[0]
    low = good.copy()
    low[1] = 0.01
    assert "low confidence" in plausibility_flags(0.55, low, 0.5, 0.5)[0]
    low_width = good.copy()
    low_width[3:] = 0.0  # the width ends' maps are long along the axis: not a reason
    assert plausibility_flags(0.55, low_width, 0.5, 0.5) == ()


@pytest.mark.slow  # a ResNet50
def test_stored_rows_carry_the_flags():
    predictor = Predictor(SIModel(), CFG, choose_device("cpu", amp=False))
    pixels, _, _ = ellipse_frame(4)
    spacing = SPACING
    (pred,) = predictor.predict([(pixels, spacing)])
    row = pred.to_row(7)
    assert row["confidence"]["flags"] == list(pred.flags)
    names = {"apex", "hinge_a", "hinge_b", "w1", "w2"}
    passes = {"centre_shift_mm", "axis_turn_deg"}  # the worklist's score reads them
    assert set(row["confidence"]) == names | {"flags", "feature_distance"} | passes
    assert row["confidence"]["centre_shift_mm"] == pytest.approx(pred.centre_shift_mm)
    assert row["confidence"]["feature_distance"] is None  # a model without feature statistics


@pytest.mark.slow  # a ResNet50
def test_loose_files_are_read_by_the_importers_readers(tmp_path):
    from pydicom.data import get_testdata_file

    multi = read_frames(get_testdata_file("emri_small.dcm"))  # multi-frame MR
    assert len(multi) == 10 and multi[0][0].shape == (64, 64)
    import pydicom

    path = get_testdata_file("MR2_J2KI.dcm")  # JPEG 2000, from pydicom-data
    ((pixels, spacing),) = read_frames(path)
    header = pydicom.dcmread(path, stop_before_pixels=True)
    assert pixels.shape == (header.Rows, header.Columns)
    assert spacing == Spacing(*(float(v) for v in header.PixelSpacing))
    png = tmp_path / "frame.png"
    Image.fromarray(np.full((20, 30), 7, dtype=np.uint8)).save(png)
    ((pixels, spacing),) = read_frames(png, spacing_mm=1.5)
    assert pixels.shape == (20, 30) and spacing == Spacing(1.5, 1.5)
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"DICM" * 10)
    with pytest.raises(ImageReadError):
        read_frames(bad)
    failed = []
    predictor = Predictor(SIModel(), CFG, choose_device("cpu", amp=False))
    rows = predict_files(
        [str(bad), str(png)], predictor, 1.5, on_error=lambda n, r: failed.append(n)
    )
    assert failed == [str(bad)] and [r["file"] for r in rows] == [str(png)]
    assert "flags" in rows[0]


@pytest.mark.slow  # a ResNet50
def test_a_flagged_prediction_of_a_landmark_run_takes_the_regression_si():
    predictor = Predictor(SIModel(), CFG, choose_device("cpu", amp=False), "landmarks")
    pixels, _, _ = ellipse_frame(5)
    (pred,) = predictor.predict([(pixels, SPACING)])
    # An untrained network's maps are flat: the apex and hinges have low confidence.
    assert any("low confidence" in f for f in pred.flags)
    assert pred.si == pred.si_regression
    assert pred.si_regression != pred.si_landmarks
