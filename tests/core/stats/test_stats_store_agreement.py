"""reader_agreement on readings and predictions as the store hands them out."""

import numpy as np
import pytest

from core.geometry import Landmarks, Spacing
from core.stats import bland_altman, reader_agreement, reader_pairs
from core.store import Project

BASE = Landmarks((40.0, 8.0), (22.0, 50.0), (58.0, 52.0), (22.5, 30.0), (57.5, 30.0))


def widened(by_px: float) -> Landmarks:
    return BASE.replace(w1=(BASE.w1[0] - by_px, BASE.w1[1]), w2=(BASE.w2[0] + by_px, BASE.w2[1]))


def test_store_readings_feed_reader_agreement(tmp_path):
    rng = np.random.default_rng(5)
    with Project.create(tmp_path / "p.sphericity") as project:
        with project.transaction() as repo:
            ann, ben = repo.ensure_annotator("ann"), repo.ensure_annotator("ben")
            series = repo.add_series("S", source="synthetic")
            image_ids = []
            for i in range(4):
                pixels = rng.integers(0, 1000, size=(64, 80)).astype(np.uint16)
                image_id, _ = repo.add_image(
                    series, pixels, frame_index=i, spacing=Spacing(1.5, 1.25)
                )
                image_ids.append(image_id)
                repo.save_reading(image_id, ann, widened(i), status="approved")
                suggested = dict.fromkeys(BASE.to_dict(), True) if i == 3 else None
                repo.save_reading(
                    image_id, ben, widened(i + 0.5), status="submitted", suggested=suggested
                )
            run = repo.add_run({}, device="cpu", data_snapshot={})
            repo.save_predictions(
                run, [{"image_id": i, "si_regression": 0.6} for i in image_ids[:2]]
            )
        readings = project.readings()
        predictions = project.predictions(run)
    result = reader_agreement(readings, predictions)
    assert result.image_ids == tuple(image_ids[:3])  # ben's untouched suggestion is left out
    assert result.n_excluded_suggested == 1
    (pair,) = result.reader_pairs
    si = {(r.image_id, r.annotator_name): r.si for r in readings}
    expected = bland_altman(
        [si[(i, "ann")] for i in image_ids[:3]], [si[(i, "ben")] for i in image_ids[:3]]
    )
    assert pair.bland_altman.bias == pytest.approx(expected.bias)
    assert pair.bland_altman.bias < 0  # ben always reads a wider heart
    assert [p.n for p in result.model_vs_readers] == [2, 2]
    assert len(reader_pairs(readings)) == 3
