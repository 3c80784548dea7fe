"""A run trained by one client is used by another (issue 12): train from the GPU box's user data
folder, then predict and draw Grad-CAM from an annotator's, on SQLite and on a PostgreSQL server.
No password shows in what `init` prints or in any path the clients write."""

from pathlib import Path

import pytest
from PIL import Image

from app.cli.main import main
from core.run_cache import sha256_of
from core.runs import checkpoint_name
from core.store import Project
from tests.model.synthetic_lv import ellipse_project

TINY = ["--size", "64", "--coarse-size", "64", "--fov-mm", "120", "--batch", "4", "--epochs", "1"]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.slow  # a ResNet50 trained for one epoch on 12 tiny frames
def test_a_run_trained_by_one_client_predicts_and_draws_gradcam_on_another(
    project_url, backend, tmp_path, monkeypatch, capsys
):
    ellipse_project(project_url, n_series=4)
    gpu_box, annotator = tmp_path / "gpu-box", tmp_path / "annotator"
    monkeypatch.setenv("SPHERICITY_HOME", str(gpu_box))
    assert main(["train", project_url, *TINY, "--device", "cpu"]) == 0
    with Project.open(project_url) as project:
        run = project.runs()[-1]
        stored = project.run_artifact(run.id, checkpoint_name(run.id))
    assert run.status == "done" and run.checkpoint_path == checkpoint_name(run.id)

    monkeypatch.setenv("SPHERICITY_HOME", str(annotator))
    assert main(["predict", project_url, "--run", "latest", "--device", "cpu"]) == 0
    out = tmp_path / "cam.png"
    argv = ["gradcam", project_url, "--run", str(run.id), "--image", "1", "--out", str(out)]
    assert main([*argv, "--device", "cpu"]) == 0
    assert Image.open(out).size[0] > 64
    with Project.open(project_url) as project:
        assert len(project.predictions(run.id)) == project.count_images(None) == 8

    cached = [p for p in _files(annotator) if p.suffix == ".pt"]
    if backend == "sqlite":  # beside the project file; no copy anywhere else
        assert stored is None and cached == []
        assert (Path(project_url).with_name("test.sphericity.runs") / run.checkpoint_path).is_file()
    else:  # fetched once into the annotator's own folder, the stored sha256 checked
        assert stored is not None and [p.name for p in cached] == [f"{stored.sha256}.pt"]
        assert sha256_of(cached[0]) == stored.sha256
        trainer_copies = [p for p in _files(gpu_box) if p.suffix == ".pt"]
        assert [p.name for p in trainer_copies] == [cached[0].name]  # moved into its cache
    _assert_no_password(project_url, [*_files(gpu_box), *_files(annotator)], capsys)


def _assert_no_password(project_url: str, paths: list[Path], capsys) -> None:
    from sqlalchemy.engine import make_url

    password = make_url(project_url).password if "://" in project_url else None
    if password:
        printed = capsys.readouterr()
        assert password not in printed.out + printed.err
        assert not [p for p in paths if str(password) in str(p)]
        logs = [p for p in paths if p.suffix == ".log"]
        assert logs and not [p for p in logs if str(password) in p.read_text(errors="replace")]


def test_init_on_a_server_masks_the_password(pg_server, capsys):
    url = pg_server.schema_url()
    assert main(["init", url]) == 0
    printed = capsys.readouterr().out
    assert "created project" in printed and "***" in printed
    assert pg_server.password not in printed
    with Project.open(url) as project:
        assert pg_server.password not in repr(project)
