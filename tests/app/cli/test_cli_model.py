"""The model commands end to end on a tiny project: train (JSON lines), runs, predict, evaluate,
gradcam, and predict on loose files."""

import csv
import json

import pytest
from PIL import Image

from app.cli.main import main
from core.store import Project
from tests.model.synthetic_lv import ellipse_frame, ellipse_project

TINY = ["--size", "64", "--coarse-size", "64", "--fov-mm", "120", "--batch", "4", "--epochs", "1"]


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.slow
def test_train_jsonl_then_predict_evaluate_gradcam(tmp_path, capsys):
    path = str(ellipse_project(tmp_path / "p.sphericity"))
    assert main(["train", path, *TINY, "--progress", "jsonl"]) == 0
    events = _json_lines(capsys.readouterr().out)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and "val" in kinds
    batch = next(e for e in events if e["event"] == "batch")
    assert {"epoch", "step", "total_steps", "loss", "eta_s", "images_per_s"} <= set(batch)
    run_id = events[0]["run_id"]

    assert main(["runs", path, "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert runs[-1]["id"] == run_id and runs[-1]["status"] == "done"
    assert runs[-1]["model_si_kind"] in ("regression", "landmarks")

    assert main(["predict", path, "--run", "latest"]) == 0
    with Project.open(path) as project:
        predictions = project.predictions(run_id)
        n_images = project.count_images(None)
    assert len(predictions) == n_images
    one = next(iter(predictions.values()))
    assert set(one["landmarks"]) == {"apex", "hinge_a", "hinge_b", "w1", "w2"}

    capsys.readouterr()
    assert main(["evaluate", path, "--run", str(run_id), "--split", "all", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["n_images"] == n_images
    assert {"mse", "rmse", "mae", "pearson_r", "r2", "bias", "icc_2_1"} <= set(metrics["model"])

    out = tmp_path / "cam.png"
    assert main(["gradcam", path, "--run", str(run_id), "--image", "1", "--out", str(out)]) == 0
    assert Image.open(out).size[0] > 64

    png = tmp_path / "frame.png"
    Image.fromarray((ellipse_frame(7)[0] // 16).astype("uint8")).save(png)
    table = tmp_path / "files.csv"
    assert main(["predict", path, str(png), "--csv", str(table), "--spacing-mm", "2"]) == 0
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert rows[0]["file"] == str(png)
    assert {"si", "si_regression", "si_landmarks", "apex_x", "w2_y", "feature_distance"} <= set(
        rows[0]
    )
    # The order: options first, then the files, then the CSV.
    again = tmp_path / "again.csv"
    argv = ["predict", path, "--run", "latest", str(png), str(png), "--csv", str(again)]
    assert main([*argv, "--spacing-mm", "2"]) == 0
    assert [r["file"] for r in csv.DictReader(again.open(encoding="utf-8"))] == [str(png)] * 2
    assert main([*argv, "--refine", "0"]) == 0  # fewer passes, same columns
    assert main([*argv, "--refine", "-1"]) == 1
    assert "--refine must be 0 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["runs", path, "stray"])  # extra words elsewhere are still refused

    capsys.readouterr()
    assert main(["adapt", path, "--run", str(run_id), "--device", "cpu"]) == 0
    assert main(["runs", path]) == 0
    listed = capsys.readouterr().out.splitlines()[-1]
    assert f"from run {run_id}, adapted to" in listed


def test_lineage_options_parse():
    from app.cli.main import build_parser

    parser = build_parser()
    args = parser.parse_args(["train", "P", "--init", "latest", "--adapt", "--epoch-steps", "3"])
    assert (args.init, args.adapt, args.epoch_steps) == ("latest", True, 3)
    assert parser.parse_args(["adapt", "P", "--run", "2"]).run == "2"
    assert parser.parse_args(["base-model", "P", "--n", "40"]).n == 40


def test_train_without_labels_fails_clearly(tmp_path, capsys):
    path = str(tmp_path / "empty.sphericity")
    Project.create(path).close()
    assert main(["train", path, *TINY]) == 1
    assert "no labelled training images" in capsys.readouterr().err


def test_train_options_come_from_the_schema_with_their_ranges(capsys, monkeypatch):
    from model.config import train_options

    monkeypatch.setenv("COLUMNS", "250")  # argparse wraps help to the terminal's width

    with pytest.raises(SystemExit) as stop:
        main(["train", "p.sphericity", "--freeze", "6"])
    assert stop.value.code == 2
    assert "--freeze must be at most 5" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    shown = capsys.readouterr().out
    for option in train_options():
        assert option.flag in shown
    assert "(default 20; 1 to 1000)" in shown  # epochs: default and range from TrainConfig
