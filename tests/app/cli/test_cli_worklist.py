"""`sphericity worklist`: the next images to read by the run's stored acquisition scores."""

import json

import numpy as np
import pytest

from app.cli.main import main
from core.geometry import Landmarks, Spacing
from core.store import Project

LM = Landmarks((32.0, 8.0), (20.0, 56.0), (44.0, 56.0), (14.0, 32.0), (50.0, 32.0))


def _prediction(image_id: int, gap: float) -> dict:
    confidence = {n: 0.8 for n in ("apex", "hinge_a", "hinge_b", "w1", "w2")}
    confidence |= {"centre_shift_mm": 0.5, "axis_turn_deg": 0.5, "flags": []}
    return {"image_id": image_id, "si_regression": 0.55 + gap, "si_landmarks": 0.55}


@pytest.fixture
def cines(tmp_path):
    """3 cines of 6 frames (ED at frame 2), a finished run whose doubt grows with the image
    id, except the predictions missing for the last cine's last frame; image 1 has a reading."""
    path = tmp_path / "w.sphericity"
    rng = np.random.default_rng(0)
    with Project.create(path) as project:
        ids = []
        with project.transaction() as repo:
            for s in range(3):
                series = repo.add_series(f"cine-{s}", subject_key=f"subject-{s}", view="4CH")
                for k in range(6):
                    pixels = rng.integers(0, 255, (64, 64), dtype=np.uint8)
                    image, _ = repo.add_image(
                        series, pixels, frame_index=k, spacing=Spacing(1.0, 1.0), is_ed=k == 2
                    )
                    ids.append(image)
        run = project.add_run({}, device="cpu", data_snapshot={})
        project.update_run(run, status="done")
        project.save_predictions(run, [_prediction(i, i / 200) for i in ids[:-1]])
        me = project.ensure_annotator("me")
        project.save_reading(ids[0], me, LM)
    return path, ids


def test_json_lists_one_frame_per_series_first_ed_of_unread_series(cines, capsys):
    path, ids = cines
    assert main(["worklist", str(path), "--n", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["unread"], out["without_prediction"]) == (17, 1)
    images = out["images"]
    assert len(images) == 4
    # cines 2 and 3 have no reading: their ED frames stand for them, at the cine's top score;
    # cine 1 has a reading (image 1): its own most doubtful frame comes next
    assert [(i["series"], i["frame"]) for i in images[:3]] == [
        ("S3 · series 1 · 4CH", 2),
        ("S2 · series 1 · 4CH", 2),
        ("S1 · series 1 · 4CH", 5),
    ]
    assert images[0]["ed"] and images[0]["why"].startswith("ED frame of a series with no reading")
    assert "SI head" in images[2]["why"]
    scores = [i["score"] for i in images[:3]]
    assert scores == sorted(scores, reverse=True)
    assert ids[0] not in [i["image_id"] for i in images]  # read already


def test_text_names_the_run_to_predict_with(cines, capsys):
    path, _ = cines
    assert main(["worklist", str(path), "--run", "latest", "--n", "2"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("  1. image") and "score" in lines[0]
    assert "1 of 17 unread images have no prediction from run 1" in captured.err


def test_caps_can_be_raised_and_bad_input_is_refused(cines, capsys):
    path, _ = cines
    args = ["--n", "2", "--per-series", "3", "--per-subject", "3", "--min-gap-frames", "1"]
    assert main(["worklist", str(path), *args, "--json"]) == 0
    images = json.loads(capsys.readouterr().out)["images"]
    # the last cine's ED frame, then its own most doubtful frame (2 frames from ED)
    assert [(i["series"], i["frame"]) for i in images] == [
        ("S3 · series 1 · 4CH", 2),
        ("S3 · series 1 · 4CH", 4),
    ]
    assert main(["worklist", str(path), "--n", "0"]) == 1
    assert main(["worklist", str(path), "--run", "9"]) == 1
    assert "run 9 does not exist" in capsys.readouterr().err
