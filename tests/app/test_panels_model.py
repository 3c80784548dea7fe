"""Training form, runs list and comparison panel on a real project (no training needed)."""

import numpy as np
import pytest

from app.panels.comparison_panel import ComparisonPanel
from app.panels.runs_panel import RunsPanel
from app.panels.train_form import TrainForm
from core.comparison import comparison_points
from core.geometry import Landmarks, Spacing
from core.runs import ACTIVE_RUN_SETTING, active_run_id
from core.stats import regression_metrics
from core.store import Project
from model.config import train_options


def _landmarks(width: float) -> Landmarks:
    # vertical axis of 80 px, width centred at mid-length
    return Landmarks(
        apex=(50.0, 10.0),
        hinge_a=(40.0, 90.0),
        hinge_b=(60.0, 90.0),
        w1=(50.0 - width / 2, 50.0),
        w2=(50.0 + width / 2, 50.0),
    )


@pytest.fixture
def project(tmp_path):
    """Eight images read by two annotators (both approved), a finished run with predictions."""
    project = Project.create(tmp_path / "p.sphericity")
    rng = np.random.default_rng(0)
    with project.transaction() as repo:
        ann = [repo.ensure_annotator("ann"), repo.ensure_annotator("bob")]
        series = repo.add_series("s1", source="synthetic")
        ids = []
        for k in range(8):
            pixels = rng.integers(0, 1000, (100, 100), dtype=np.uint16)
            image_id, _ = repo.add_image(series, pixels, frame_index=k, spacing=Spacing(1, 1))
            ids.append(image_id)
            for j, a in enumerate(ann):
                repo.save_reading(image_id, a, _landmarks(36 + 3 * k + j), status="approved")
        repo.set_split({i: ("test" if n % 2 else "train") for n, i in enumerate(ids)})
        run_id = repo.add_run({"epochs": 1}, device="cpu", data_snapshot={"n_images": 8})
        repo.update_run(run_id, status="done", model_si_kind="regression")
        rows = [
            {
                "image_id": i,
                "si_regression": 0.45 + 0.04 * n,
                "si_landmarks": 0.5,
                "landmarks": _landmarks(40).to_dict(),
                "confidence": {},
            }
            for n, i in enumerate(ids)
        ]
        repo.save_predictions(run_id, rows)
    yield project
    project.close()


def test_train_form_shows_the_schema_defaults_and_sends_only_changes(qtbot):
    form = TrainForm()
    qtbot.addWidget(form)
    options = {o.dest: o for o in train_options()}
    assert [o.dest for o in form.options()] == list(options)
    assert {dest: form.value(dest) for dest in options} == {
        dest: o.default for dest, o in options.items()
    }
    assert form.arguments() == []
    form.set_value("epochs", options["epochs"].default + 1)
    form.set_value("threads", 2)
    form.set_value("no_rotation", True)
    expected = ["--epochs", str(options["epochs"].default + 1), "--threads", "2", "--no-rotation"]
    assert form.arguments() == expected
    form.set_value("threads", None)  # back to "not set"
    assert form.value("threads") is None and "--threads" not in form.arguments()
    with pytest.raises(ValueError, match="at most 5"):
        form.set_value("freeze", 6)


def test_train_form_arguments_parse_to_the_config_they_show(qtbot):
    from app.cli.main import build_parser
    from model.config import config_from_options

    form = TrainForm()
    qtbot.addWidget(form)
    for dest, value in {"epochs": 3, "lr": 0.002, "max_images": 50, "weights": "w.pt"}.items():
        form.set_value(dest, value)
    args = build_parser().parse_args(["train", "p.sphericity", *form.arguments()])
    config = config_from_options({o.dest: getattr(args, o.dest) for o in form.options()})
    assert (config.epochs, config.lr, config.max_images, config.weights) == (3, 0.002, 50, "w.pt")
    assert config.threads is None and config.augment.rotation_deg == 180.0


def test_runs_panel_lists_activates_and_deletes(qtbot, project, tmp_path):
    panel = RunsPanel(project)
    qtbot.addWidget(panel)
    run_id = project.runs()[0].id
    assert panel.table.rowCount() == 1
    assert active_run_id(project) == run_id  # latest finished run by default
    runs_dir = tmp_path / "p.sphericity.runs"
    runs_dir.mkdir()
    checkpoint = runs_dir / f"run-{run_id}.pt"
    checkpoint.write_bytes(b"weights")
    evaluation = runs_dir / f"run-{run_id}.test.csv"
    evaluation.write_text("image_id\n")
    project.update_run(run_id, checkpoint_path=checkpoint.name)
    panel.set_active(run_id)
    with qtbot.waitSignal(panel.activeRunChanged) as blocker:
        panel.delete_run(run_id)
    assert blocker.args == [None]
    assert project.runs() == [] and not checkpoint.exists() and not evaluation.exists()
    assert project.get_setting(ACTIVE_RUN_SETTING) is None


def test_runs_panel_delete_leaves_files_outside_the_runs_folder(qtbot, project, tmp_path):
    """Issue 11: a run row naming a file in a `run-*` folder elsewhere must not remove it."""
    panel = RunsPanel(project)
    qtbot.addWidget(panel)
    run_id = project.runs()[0].id
    elsewhere = tmp_path / "elsewhere" / "run-precious"
    elsewhere.mkdir(parents=True)
    (elsewhere / "notes.txt").write_text("keep me")
    checkpoint = elsewhere / "model.pt"
    checkpoint.write_bytes(b"weights")
    project.update_run(run_id, checkpoint_path=str(checkpoint))
    panel.delete_run(run_id)
    assert project.runs() == []
    assert checkpoint.exists() and (elsewhere / "notes.txt").read_text() == "keep me"


def test_comparison_panel_metrics_and_click(qtbot, project, tmp_path):
    run_id = project.runs()[0].id
    panel = ComparisonPanel(project)
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.set_run(run_id)
    points = comparison_points(project, run_id)
    assert len(points.image_ids) == 8
    expected = regression_metrics(points.model_si, points.reference_si)
    assert panel.metrics()["mse"] == pytest.approx(expected["mse"])
    assert panel.metrics_table.item(1, 0).text() == f"{expected['mse']:.5f}"
    readers, model = panel.agreement_metrics()
    assert readers["n"] == 8 and model["n"] == 8
    # the two readers differ by exactly 1 px of width on an 80 px axis: bias -1/80
    assert readers["bias"] == pytest.approx(-1 / 80)
    # a pick on the scatter opens that image
    received = []
    panel.imageRequested.connect(received.append)
    artist = next(c for c in panel.scatter.figure.axes[0].collections)

    class Pick:
        pass

    pick = Pick()
    pick.artist, pick.ind = artist, [0]
    panel._on_pick(pick)
    assert received and received[0] in set(points.image_ids.tolist())
    for suffix in ("png", "svg"):
        out = panel.scatter.export(tmp_path / f"scatter.{suffix}")
        assert out.stat().st_size > 1000
    panel.split_combo.setCurrentText("test")
    assert len(panel._points.image_ids) == 4


def test_the_runs_table_shows_the_model_sis_test_r2():
    from types import SimpleNamespace

    from app.panels.runs_panel import COLUMNS, _run_cells

    evaluation = {"test": {"model": {"r2": 0.976}, "landmarks": {"r2": 0.886}}}
    run = SimpleNamespace(
        id=6,
        created_at=None,
        status="done",
        data_snapshot={"n_images": 1500},
        model_si_kind="landmarks",
        metrics={"evaluation": evaluation, "val_mse_landmarks": 0.0003},
        device="cpu",
        duration_s=1240.0,
    )
    cells = dict(zip(COLUMNS, _run_cells(run, None), strict=True))
    assert cells["Model SI"] == "landmarks" and cells["Test R²"] == "0.976"


def test_train_form_keeps_advanced_settings_folded_and_reads_a_learning_rate_as_typed(qtbot):
    form = TrainForm()
    qtbot.addWidget(form)
    form.show()
    assert form.advanced.isHidden() and not form.advanced_toggle.isChecked()
    form.set_value("threads", 2)  # a folded setting still counts
    assert "--threads" in form.arguments()
    form.advanced_toggle.click()
    assert form.advanced.isVisible()
    _option, lr = form._editors["lr"]
    assert lr.text() == "0.001"  # not 0.001000
    lr.lineEdit().selectAll()
    qtbot.keyClicks(lr.lineEdit(), "3e-4")
    lr.interpretText()
    assert lr.value() == pytest.approx(3e-4) and lr.text() == "0.0003"
    lr.lineEdit().selectAll()
    qtbot.keyClicks(lr.lineEdit(), "abc")  # refused by the validator: the value stays
    lr.interpretText()
    assert lr.value() == pytest.approx(3e-4)


def test_a_plot_whose_window_is_gone_ignores_the_idle_draws_update(qtbot):
    import shiboken6

    from app.panels.plot_widget import PlotWidget

    plot = PlotWidget()
    plot.figure.add_subplot().plot([0, 1], [1, 0])
    plot.draw()  # the render, then Qt's update: fine while the widget lives
    shiboken6.delete(plot)  # what a collected parent window does to its children
    plot.update()  # matplotlib's draw() ends with this; before the guard it raised
    assert not shiboken6.isValid(plot)
