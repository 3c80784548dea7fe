"""predict, evaluate and gradcam with a checkpoint that is corrupt, empty, a folder or foreign:
one clear line and a non-zero exit, never torch's traceback (whose text suggests unsafe loading)."""

from __future__ import annotations

import pytest
import torch
from synthetic_lv import ellipse_project

from app.cli.main import main
from core.store import Project
from model.checkpoint import CheckpointError, load_checkpoint


def _corrupt(path):
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)


def _empty(path):
    path.write_bytes(b"")


def _folder(path):
    path.mkdir()


def _foreign(path):
    torch.save({"weights": torch.zeros(3)}, path)


def _half_written(path):
    torch.save({"format": "sphericity-si-model/1", "state_dict": {}, "config": {}}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


BAD = [_corrupt, _empty, _folder, _foreign, _half_written]


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    return ellipse_project(tmp_path_factory.mktemp("bad-ckpt") / "p.sphericity", n_series=1)


def _run_with_checkpoint(project_path, checkpoint) -> int:
    with Project.open(project_path) as project:
        run_id = project.add_run({}, device="cpu", data_snapshot={})
        project.update_run(run_id, status="done", checkpoint_path=str(checkpoint))
    return run_id


@pytest.mark.parametrize("make", BAD, ids=lambda f: f.__name__.strip("_"))
def test_load_checkpoint_refuses_with_its_own_words(tmp_path, make):
    path = tmp_path / "model.pt"
    make(path)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    assert "weights_only" not in str(caught.value)


@pytest.mark.parametrize("make", BAD, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("command", ["predict", "evaluate", "gradcam"])
def test_model_commands_answer_a_bad_checkpoint_in_one_line(
    project_path, tmp_path, make, command, capsys
):
    checkpoint = tmp_path / "model.pt"
    make(checkpoint)
    run_id = str(_run_with_checkpoint(project_path, checkpoint))
    extra = {
        "predict": [],
        "evaluate": ["--split", "all"],
        "gradcam": ["--image", "1", "--out", str(tmp_path / "cam.png")],
    }[command]
    capsys.readouterr()
    assert main([command, str(project_path), "--run", run_id, *extra]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "weights_only" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"sphericity {command}: ") and "checkpoint" in err
