"""Train / validation / test splits that keep each subject whole (the series where it is unknown).

Frames of one patient's cine, or of one patient's several series, are strongly alike; if some
trained a model and others tested it, the test figures would flatter the model. So the unit a
split assigns is the split group: the pseudonymous subject key when the import knew the subject,
else the series key (phantoms and plain image files carry no subject).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Literal

Split = Literal["train", "val", "test"]
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # train, val, test: shares of the split groups
# When the images of one group already disagree (a project split by series before splits kept
# subjects whole), the whole group goes to the most held-out side any of them is on: a frame that
# was held out never becomes training data.
HELD_OUT_FIRST: tuple[Split, ...] = ("test", "val", "train")


def split_group(subject_key: str | None, series_key: str) -> str:
    """The unit a split keeps whole: the subject, or the series where the subject is unknown."""
    return f"subject:{subject_key}" if subject_key else f"series:{series_key}"


def group_splits(
    groups: Mapping[int, str], known: Mapping[int, str | None], *, seed: int = 0
) -> dict[str, Split]:
    """Split of every group of `groups` (image id -> group).

    `known` holds the splits already recorded for images (any image of the project, also ones
    outside `groups`, with its group in `groups` or not); groups with a recorded split keep it
    (the most held-out one if their images disagree), new groups are shuffled with `seed` and
    dealt out by SPLIT_FRACTIONS. Every side gets at least one group once there are three.
    """
    recorded: dict[str, set[str]] = {}
    for image_id, split in known.items():
        if split is not None and image_id in groups:
            recorded.setdefault(groups[image_id], set()).add(split)
    result: dict[str, Split] = {
        group: next(s for s in HELD_OUT_FIRST if s in splits) for group, splits in recorded.items()
    }
    new = sorted(set(groups.values()) - set(result))
    random.Random(seed).shuffle(new)
    n = len(new)
    n_val = max(1, round(n * SPLIT_FRACTIONS[1])) if n >= 3 else 0
    n_test = max(1, round(n * SPLIT_FRACTIONS[2])) if n >= 3 else 0
    for k, group in enumerate(new):
        result[group] = "val" if k < n_val else "test" if k < n_val + n_test else "train"
    return result


def image_splits(
    image_ids: Iterable[int],
    groups: Mapping[int, str],
    known: Mapping[int, str | None],
    *,
    seed: int = 0,
) -> dict[int, Split]:
    """image id -> split for `image_ids`, whole groups at a time (see group_splits).

    `groups` must name the group of every image in `image_ids` and of every image in `known`
    whose recorded split should be respected (normally: every image of the project).
    """
    ids = list(image_ids)
    wanted = {groups[i] for i in ids}
    members = {i: g for i, g in groups.items() if g in wanted}
    by_group = group_splits(members, known, seed=seed)
    return {i: by_group[groups[i]] for i in ids}
