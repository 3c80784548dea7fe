"""Training data from a project: labelled images, splits by subject, snapshot and labels hash."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from core.geometry import LANDMARK_NAMES, Landmarks, Spacing
from core.splits import image_splits

SPLITS = ("train", "val", "test")
# Without a recorded spacing the store measures SI on square pixels; the model does the same.
UNKNOWN_SPACING = Spacing(1.0, 1.0)


@dataclass(frozen=True)
class Sample:
    """One labelled image: pixels, spacing, landmarks (mean of the readings) and reference SI."""

    image_id: int
    series_id: int
    pixels: np.ndarray
    spacing: Spacing
    landmarks: Landmarks
    si: float
    split: str | None
    source: str = "real"
    subject: str = ""  # the split group's readable name (core.series_names): "S2" or "series 7"


def reading_statuses(include_submitted: bool) -> tuple[str, ...]:
    return ("approved", "submitted") if include_submitted else ("approved",)


def mean_landmarks(readings) -> Landmarks:
    """The mean of several readings' landmarks, point by point."""
    arr = np.mean([np.array(r.landmarks.points()) for r in readings], axis=0)
    return Landmarks(*[(float(x), float(y)) for x, y in arr])


def labelled_readings(project, include_submitted: bool = False) -> dict[int, list]:
    """image id -> readings that define its label (approved, optionally submitted too)."""
    by_image: dict[int, list] = defaultdict(list)
    for reading in project.readings(status=reading_statuses(include_submitted)):
        by_image[reading.image_id].append(reading)
    return dict(by_image)


def assign_splits(project, image_ids, *, seed: int = 0) -> dict:
    """Give images without a split one, whole subjects at a time, and record it in the project.

    The rule is core.splits: a subject (the series where the subject is unknown) sits on one
    side only, groups that already have a split keep it, so a test set stays a test set across
    runs. Returns image id -> split for all image_ids.
    """
    groups_and_splits = project.split_groups()
    groups = {i: g for i, (g, _) in groups_and_splits.items()}
    known = {i: s for i, (_, s) in groups_and_splits.items()}
    result = image_splits(image_ids, groups, known, seed=seed)
    changed = {i: s for i, s in result.items() if known.get(i) != s}
    if changed:
        project.set_split(changed)
    return result


def load_samples(
    project, *, include_submitted: bool = False, splits=None, image_ids=None, seed: int = 0
) -> list[Sample]:
    """Labelled images of a project (splits assigned and recorded first), pixels in memory."""
    readings = labelled_readings(project, include_submitted)
    ids = sorted(readings if image_ids is None else set(image_ids) & set(readings))
    split_of = assign_splits(project, ids, seed=seed)
    names = project.series_names()
    samples = []
    for image_id in ids:
        if splits is not None and split_of[image_id] not in splits:
            continue
        info = project.image(image_id)
        group = readings[image_id]
        samples.append(
            Sample(
                image_id=image_id,
                series_id=info.series_id,
                pixels=project.pixels(image_id),
                spacing=info.spacing or UNKNOWN_SPACING,
                landmarks=mean_landmarks(group),
                si=float(np.mean([r.si for r in group])),
                split=split_of[image_id],
                source=info.source,
                subject=names[info.series_id].group,
            )
        )
    return samples


def labels_hash(samples: list[Sample]) -> str:
    """sha256 over image ids, reference SIs and landmarks: tells whether the labels changed."""
    rows = [
        [
            s.image_id,
            round(s.si, 6),
            [[round(v, 3) for v in getattr(s.landmarks, n)] for n in LANDMARK_NAMES],
        ]
        for s in sorted(samples, key=lambda s: s.image_id)
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def data_snapshot(samples: list[Sample], include_submitted: bool) -> dict:
    """What a run trained and validated on: image ids by split and the labels hash."""
    by_split = {k: sorted(s.image_id for s in samples if s.split == k) for k in SPLITS}
    return {
        "image_ids": by_split,
        "n_images": len(samples),
        "labels_hash": labels_hash(samples),
        "statuses": list(reading_statuses(include_submitted)),
    }
