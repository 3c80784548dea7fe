"""Model versus reference SI pairs and the agreement figures, from a project, without a window."""

import numpy as np
import pytest

from core.comparison import agreement_metrics, comparison_points
from core.geometry import Landmarks, Spacing
from core.store import Project

BASE = Landmarks((40.0, 8.0), (22.0, 50.0), (58.0, 52.0), (22.5, 30.0), (57.5, 30.0))
SPLITS = ("train", "test", "test", None)


def _widened(by_px: float) -> Landmarks:
    return BASE.replace(w1=(BASE.w1[0] - by_px, BASE.w1[1]), w2=(BASE.w2[0] + by_px, BASE.w2[1]))


@pytest.fixture
def filled(tmp_path):
    """(project, image ids, run id): four images read by two annotators; a run predicts three
    of them (one without an SI)."""
    rng = np.random.default_rng(3)
    with Project.create(tmp_path / "p.sphericity") as project:
        with project.transaction() as repo:
            ann, ben = repo.ensure_annotator("ann"), repo.ensure_annotator("ben")
            series = repo.add_series("S", source="synthetic")
            ids = []
            for i in range(4):
                pixels = rng.integers(0, 1000, size=(64, 80)).astype(np.uint16)
                image_id, _ = repo.add_image(
                    series, pixels, frame_index=i, spacing=Spacing(1.5, 1.25), source="synthetic"
                )
                ids.append(image_id)
                repo.save_reading(image_id, ann, _widened(i), status="approved")
                repo.save_reading(image_id, ben, _widened(i + 0.5), status="approved")
            repo.set_split(dict(zip(ids, SPLITS, strict=True)))
            run = repo.add_run({}, device="cpu", data_snapshot={})
            repo.update_run(run, status="done", model_si_kind="regression")
            rows = [{"image_id": i, "si_regression": 0.5 + 0.01 * k} for k, i in enumerate(ids[:2])]
            rows.append({"image_id": ids[2], "si_regression": None})
            repo.save_predictions(run, rows)
        yield project, ids, run


def test_points_pair_the_model_si_with_the_reference(filled):
    project, ids, run = filled
    points = comparison_points(project, run)
    assert points.image_ids.tolist() == ids[:3]  # the fourth has no prediction
    assert points.model_si[:2].tolist() == pytest.approx([0.50, 0.51])
    assert np.isnan(points.model_si[2])  # a prediction without an SI stays a point, as NaN
    references = project.reference_si_map()
    assert points.reference_si.tolist() == pytest.approx([references[i] for i in ids[:3]])
    assert points.sources == ["synthetic"] * 3 and points.splits == list(SPLITS[:3])
    test_only = comparison_points(project, run, split="test")
    assert test_only.image_ids.tolist() == ids[1:3] and test_only.splits == ["test", "test"]


def test_agreement_of_readers_and_of_the_model(filled):
    project, _ids, run = filled
    readers, model = agreement_metrics(project, run)
    assert readers["n"] == 4
    assert readers["bias"] < 0  # ben always reads a wider heart
    assert model["n"] == 2 and np.isfinite(model["bias"])
    readers_alone, no_model = agreement_metrics(project, None)
    assert readers_alone["n"] == 4 and no_model == {}
