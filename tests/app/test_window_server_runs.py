"""A reader's window on a server draws Grad-CAM with a run whose checkpoint was stored by another
machine: fetched in the worker thread into this reader's own user data folder."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.engine import make_url
from window_helpers import make_project, open_window

from core.runs import checkpoint_name, publish_checkpoint, runs_dir
from core.store import Project
from core.store.server_roles import add_user

pytestmark = pytest.mark.slow  # loads torch and a ResNet50 in the worker thread


@pytest.fixture
def checkpoint(tmp_path):
    """An untrained ResNet50 checkpoint at 64 px, made here (never downloaded)."""
    import torch

    from model.checkpoint import save_checkpoint
    from model.config import TrainConfig
    from model.network import SIModel

    torch.manual_seed(0)
    config = TrainConfig(size=64, coarse_size=64, device="cpu").to_dict()
    path = tmp_path / "made" / "run.pt"
    path.parent.mkdir()
    return save_checkpoint(path, SIModel(), config=config, data_snapshot={}, metrics={})


def test_an_annotator_window_draws_gradcam_with_a_run_stored_by_the_gpu_box(
    qtbot, tmp_path, monkeypatch, pg_server, checkpoint
):
    owner_url = pg_server.database_url("runs")
    make_project(owner_url, n_frames=2)
    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "gpu-box"))
    with Project.open(owner_url) as project, project.transaction() as repo:
        add_user(repo.session.connection(), "cam_ann", "annotator", "pw for cam_ann")
    with Project.open(owner_url) as project:
        run_id = project.add_run({"epochs": 1}, device="cpu", data_snapshot={})
        written = runs_dir(project) / checkpoint_name(run_id)
        written.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(checkpoint, written)
        publish_checkpoint(project, run_id, written)  # as training does
        project.update_run(run_id, status="done", checkpoint_path=checkpoint_name(run_id))
        stored = project.run_artifact(run_id, checkpoint_name(run_id))

    reader = tmp_path / "reader"
    monkeypatch.setenv("SPHERICITY_HOME", str(reader))
    login = make_url(owner_url).set(username="cam_ann", password="pw for cam_ann")
    window = open_window(qtbot, login.render_as_string(hide_password=False), "cam_ann")
    window.actions["model.gradcam"].trigger()
    assert "computing" in window.model_box.cam_status.text()
    qtbot.waitUntil(window.canvas.overlay_shown, timeout=120_000)
    assert window.review.cam_runner.cached(run_id, window.session.image.id, "layer4") is not None
    cached = sorted(p.name for p in reader.rglob("*.pt"))
    assert cached == [f"{stored.sha256}.pt"]
    window.shutdown()
