"""A small project for the export tests, built through the store API (fixture in conftest)."""

from dataclasses import dataclass, field

import numpy as np
import pytest

from core.geometry import Landmarks, Spacing
from core.phantom import generate_frame

HYPERLINK = '=HYPERLINK("http://example.invalid","click")'


@dataclass
class SmallProject:
    path: str
    images: dict[str, int] = field(default_factory=dict)
    readings: dict[str, object] = field(default_factory=dict)
    pixels: dict[int, np.ndarray] = field(default_factory=dict)
    run_ids: dict[str, int] = field(default_factory=dict)


def _frame(seed: int, dtype) -> tuple[np.ndarray, Spacing, Landmarks]:
    """A phantom frame (16-bit, or scaled to 8-bit) with its exact landmarks."""
    frame = generate_frame(seed, shape=(96, 112))
    pixels = frame.pixels if dtype == np.uint16 else (frame.pixels >> 8).astype(np.uint8)
    return pixels, frame.spacing, frame.landmarks


@pytest.fixture
def small_project(project_url):
    """Three images (uint16 with spacing x2, uint8 without), four readings, two runs; on each
    back end (`path` is then a SQLite file or a server URL)."""
    from core.store import Project

    built = SmallProject(path=project_url)
    with Project.create(built.path) as project, project.transaction() as repo:
        ann = repo.ensure_annotator("ann")
        evil = repo.ensure_annotator(HYPERLINK)
        zoe = repo.ensure_annotator("Zoë Ödegård", role="reviewer")
        synthetic = repo.add_series("S-syn-1", source="synthetic", view="4CH")
        real = repo.add_series("-series-with-dash", source="real")
        frames = {
            "a": (synthetic, *_frame(1, np.uint16), "synthetic"),
            "b": (synthetic, *_frame(2, np.uint16), "synthetic"),
            "c": (real, *_frame(3, np.uint8), "real"),
        }
        for index, (key, (series, pixels, spacing, _lm, source)) in enumerate(frames.items()):
            image_id, _ = repo.add_image(
                series,
                pixels,
                frame_index=index,
                spacing=None if key == "c" else spacing,
                source=source,
                is_ed=key == "a",
            )
            built.images[key] = image_id
            built.pixels[image_id] = pixels
        repo.set_split({built.images["a"]: "train", built.images["b"]: "test"})
        lm = {key: value[3] for key, value in frames.items()}
        img = built.images
        shifted = lm["a"].replace(w1=(lm["a"].w1[0] - 1.0, lm["a"].w1[1]))
        shifted = shifted.replace(w2=(shifted.w2[0] + 1.0, shifted.w2[1]))
        built.readings["a_ann"] = repo.save_reading(img["a"], ann, lm["a"], status="approved")
        built.readings["a_evil"] = repo.save_reading(
            img["a"], evil, shifted, status="approved", note="+cmd|' /C calc'!A0"
        )
        built.readings["b_zoe"] = repo.save_reading(
            img["b"], zoe, lm["b"], status="submitted", note="-5", suggested={"apex": True}
        )
        built.readings["c_ann"] = repo.save_reading(img["c"], ann, lm["c"], status="draft")
        old = repo.add_run({"epochs": 1}, device="cpu", data_snapshot={})
        repo.update_run(old, status="done", model_si_kind="regression")
        repo.save_predictions(
            old, [{"image_id": img["a"], "si_regression": 0.111, "si_landmarks": 0.222}]
        )
        latest = repo.add_run({"epochs": 2}, device="cpu", data_snapshot={})
        repo.update_run(latest, status="done", model_si_kind="landmarks")
        repo.save_predictions(
            latest,
            [
                {"image_id": img["a"], "si_regression": 0.61, "si_landmarks": -0.25},
                {"image_id": img["b"], "si_regression": 0.55, "si_landmarks": 0.57},
            ],
        )
        cancelled = repo.add_run({"epochs": 3}, device="cpu", data_snapshot={})
        repo.update_run(cancelled, status="cancelled")
        built.run_ids = {"old": old, "latest": latest, "cancelled": cancelled}
    return built
