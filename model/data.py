"""Training data from a project: labelled images, splits by subject, snapshot and labels hash."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from core.geometry import LANDMARK_NAMES, Landmarks, Spacing, spacing_or_unknown
from core.reference import mean_landmarks, reference_statuses
from core.splits import image_splits
from core.store import Project, Repository
from core.vocab import SPLITS, Source, Split


@dataclass(frozen=True)
class Sample:
    """One labelled image: pixels, spacing, landmarks (mean of the readings) and reference SI."""

    image_id: int
    series_id: int
    pixels: np.ndarray
    spacing: Spacing
    landmarks: Landmarks
    si: float
    split: Split | None
    source: Source = "real"
    subject: str = ""  # the split group's readable name (core.series_names): "S2" or "series 7"


def labelled_readings(
    project: Project | Repository, include_submitted: bool = False
) -> dict[int, list]:
    """image id -> readings that define its label (core.reference.reference_statuses)."""
    by_image: dict[int, list] = defaultdict(list)
    for reading in project.readings(status=reference_statuses(include_submitted)):
        by_image[reading.image_id].append(reading)
    return dict(by_image)


def assign_splits(project: Project, image_ids, *, seed: int = 0) -> dict[int, Split]:
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
    project: Project,
    *,
    include_submitted: bool = False,
    splits=None,
    image_ids=None,
    seed: int = 0,
) -> list[Sample]:
    """Labelled images of a project (splits assigned and recorded first), pixels in memory.

    The label is the reference SI and the mean landmarks of the readings behind it
    (core.reference); metadata and pixels are read in batches in one snapshot.
    """
    with project.transaction(write=False) as repo:  # labels from one consistent snapshot
        readings = labelled_readings(repo, include_submitted)
        reference_si = repo.reference_si_map(include_submitted=include_submitted)
    ids = sorted(readings if image_ids is None else set(image_ids) & set(readings))
    split_of = assign_splits(project, ids, seed=seed)
    kept = [i for i in ids if splits is None or split_of[i] in splits]
    with project.transaction(write=False) as repo:
        infos = repo.images(kept)
        pixels = repo.pixels_many(kept)
        names = repo.series_names()
    return [
        Sample(
            image_id=image_id,
            series_id=infos[image_id].series_id,
            pixels=pixels[image_id],
            spacing=spacing_or_unknown(infos[image_id].spacing),
            landmarks=mean_landmarks([r.landmarks for r in readings[image_id]]),
            si=reference_si[image_id],
            split=split_of[image_id],
            source=infos[image_id].source,
            subject=names[infos[image_id].series_id].group,
        )
        for image_id in kept
    ]


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
        "statuses": list(reference_statuses(include_submitted)),
    }
