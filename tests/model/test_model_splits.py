"""Training data splits keep each subject whole in a project (core.splits through the store)."""

from collections import defaultdict

import numpy as np

from core.geometry import Spacing
from core.store import Project
from model.data import assign_splits

SIDES = ("train", "val", "test")
SPACING = Spacing(1.5, 1.25)


def frame(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4000, size=(16, 16)).astype(np.uint16)


def test_project_frames_of_one_subject_never_straddle(tmp_path):
    """Many subjects with two series each: the training data's split keeps subjects whole."""
    with Project.create(tmp_path / "p.sphericity") as project:
        image_subject = {}
        for subject in range(12):
            for series in range(2):
                sid = project.add_series(f"s{subject}-{series}", subject_key=f"subj{subject}")
                for k in range(3):
                    seed = subject * 100 + series * 10 + k
                    image_id, _ = project.add_image(
                        sid, frame(seed), frame_index=k, spacing=SPACING
                    )
                    image_subject[image_id] = subject
        split_of = assign_splits(project, sorted(image_subject), seed=3)
        stored = {info.id: info.split for info in project.list_images(limit=None)}
    assert stored == split_of
    sides = defaultdict(set)
    for image_id, split in split_of.items():
        sides[image_subject[image_id]].add(split)
    assert all(len(s) == 1 for s in sides.values())
    assert set(split_of.values()) == set(SIDES)


def test_a_subject_split_by_series_before_moves_whole_to_its_held_out_side(tmp_path):
    """A project split by series (before this rule): the subject joins its most held-out side."""
    with Project.create(tmp_path / "p.sphericity") as project:
        a = project.add_series("a", subject_key="same")
        b = project.add_series("b", subject_key="same")
        first, _ = project.add_image(a, frame(1), frame_index=0, spacing=SPACING)
        second, _ = project.add_image(b, frame(2), frame_index=0, spacing=SPACING)
        project.set_split({first: "train", second: "test"})
        assert assign_splits(project, [first, second]) == {first: "test", second: "test"}
        assert project.image(first).split == "test"
