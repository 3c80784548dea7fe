"""Migration 0006 and the stored acquisition score: written with each prediction, kept on down."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect

from core.acquisition import acquisition
from core.store import Project, migrations
from core.store.engine import make_engine, to_url
from core.worklist import worklist

DATA = Path(__file__).parent / "data"


def _row(image_id, si_reg, si_lm=0.55, shift=0.5):
    confidence = {n: 0.8 for n in ("apex", "hinge_a", "hinge_b", "w1", "w2")}
    confidence |= {"centre_shift_mm": shift, "axis_turn_deg": 0.2, "feature_distance": 90.0}
    return {
        "image_id": image_id,
        "si_regression": si_reg,
        "si_landmarks": si_lm,
        "confidence": confidence,
    }


def test_predictions_store_their_acquisition_with_the_runs_distance_limit(filled):
    project, _, _, images = filled
    run = project.add_run({}, device="cpu", data_snapshot={})
    project.update_run(run, metrics={"feature_stats": {"limit": 60.0}})
    project.save_predictions(run, [_row(i, 0.55 + k / 20) for k, i in enumerate(images)])
    stored = project.predictions(run)
    for k, image_id in enumerate(images):
        acq = stored[image_id]["acquisition"]
        assert acq == acquisition(_row(image_id, 0.55 + k / 20), distance_limit=60.0)
        assert acq["terms"]["distance"] == pytest.approx(1.5)
    # predicted again: the score follows the new prediction
    project.save_predictions(run, [_row(images[0], 0.9)])
    assert project.predictions(run)[images[0]]["acquisition"]["why"] == "heads"


def test_old_rows_are_scored_when_read(tmp_path):
    target = tmp_path / "old.sphericity"
    shutil.copyfile(DATA / "project_0001.sqlite", target)
    with Project.open(target) as project:
        (run,) = project.runs()
        assert all(p["acquisition"] is None for p in project.predictions(run.id).values())
        listed = worklist(project, run.id)
        # the frozen prediction has an SI head and nothing else: no signal, so not listed
        assert listed.without_prediction == listed.unread - len(listed.picks)


def test_downgrade_to_0005_drops_the_column_and_keeps_the_predictions(filled, tmp_path):
    project, _, _, images = filled
    if not project.url.startswith("sqlite"):
        pytest.skip("the SQLite round trip is enough here; PostgreSQL drops a column natively")
    run = project.add_run({}, device="cpu", data_snapshot={})
    project.save_predictions(run, [_row(i, 0.6) for i in images])
    engine = make_engine(to_url(project.url))
    with engine.begin() as connection:
        migrations.downgrade(connection, "0005")
    with engine.begin() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("predictions")}
        assert "acquisition" not in columns
        assert connection.exec_driver_sql("SELECT count(*) FROM predictions").scalar() == 3
    with engine.begin() as connection:
        migrations.upgrade(connection)
    engine.dispose()
