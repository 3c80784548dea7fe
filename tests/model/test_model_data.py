"""Training samples: labels are core.reference's (statuses, mean SI, mean landmarks), read in
batches; unknown spacing falls back to core.geometry's square pixels."""

import numpy as np
import pytest
from synthetic_lv import SPACING, ellipse_frame

from core.geometry import UNKNOWN_SPACING, Landmarks
from core.store import Project
from model.data import data_snapshot, load_samples


def _shifted(lm: Landmarks, dx: float) -> Landmarks:
    return Landmarks(*[(x + dx, y) for x, y in lm.points()])


@pytest.fixture
def two_readers(tmp_path):
    """Six one-frame series (one without spacing); each frame read by two annotators, the
    second reader's reading approved on even frames and only submitted on odd ones."""
    path = tmp_path / "p.sphericity"
    with Project.create(path) as project, project.transaction() as repo:
        a = repo.ensure_annotator("ann", role="reviewer")
        b = repo.ensure_annotator("bob", role="reviewer")
        for k in range(6):
            pixels, lm, _ = ellipse_frame(k)
            series = repo.add_series(f"s{k}", source="synthetic")
            spacing = None if k == 0 else SPACING
            image, _ = repo.add_image(series, pixels, frame_index=0, spacing=spacing)
            repo.save_reading(image, a, lm, status="approved")
            repo.save_reading(
                image, b, _shifted(lm, 1.0), status="approved" if k % 2 == 0 else "submitted"
            )
    return path


@pytest.mark.parametrize("include_submitted", [False, True])
def test_labels_are_the_reference_si_and_mean_landmarks(two_readers, include_submitted):
    with Project.open(two_readers) as project:
        samples = load_samples(project, include_submitted=include_submitted, seed=0)
        reference = project.reference_si_map(include_submitted=include_submitted)
        for s in samples:
            readings = [
                r
                for r in project.readings_for_image(s.image_id)
                if r.status == "approved" or (include_submitted and r.status == "submitted")
            ]
            assert s.si == reference[s.image_id]
            assert s.si == pytest.approx(np.mean([r.si for r in readings]), abs=1e-12)
            mean_x = np.mean([r.landmarks.apex[0] for r in readings])
            assert s.landmarks.apex[0] == pytest.approx(mean_x)
            info = project.image(s.image_id)
            assert np.array_equal(s.pixels, project.pixels(s.image_id))
            assert s.spacing == (info.spacing or UNKNOWN_SPACING)
            assert s.split == project.image(s.image_id).split  # recorded in the project
    assert len(samples) == 6
    snapshot = data_snapshot(samples, include_submitted)
    assert snapshot["statuses"] == (
        ["approved", "submitted"] if include_submitted else ["approved"]
    )
