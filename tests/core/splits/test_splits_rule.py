"""Splits keep each subject (the series where it is unknown) on one side: the rule."""

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from core.splits import HELD_OUT_FIRST, group_splits, image_splits, split_group

SIDES = ("train", "val", "test")


@st.composite
def layouts(draw):
    """image id -> group, and the splits some images already have."""
    n_groups = draw(st.integers(1, 30))
    sizes = draw(st.lists(st.integers(1, 6), min_size=n_groups, max_size=n_groups))
    groups = {}
    for g, size in enumerate(sizes):
        for _ in range(size):
            groups[len(groups) + 1] = f"subject:{g}"
    known = {
        i: draw(st.sampled_from((None, *SIDES))) if draw(st.booleans()) else None for i in groups
    }
    return groups, known


@given(layouts(), st.integers(0, 5))
def test_every_group_sits_on_one_side(layout, seed):
    groups, known = layout
    result = image_splits(groups, groups, known, seed=seed)
    sides = defaultdict(set)
    for image_id, split in result.items():
        sides[groups[image_id]].add(split)
    assert all(len(s) == 1 for s in sides.values())
    assert set(result) == set(groups)


@given(layouts(), st.integers(0, 5))
def test_recorded_splits_win_and_held_out_never_becomes_training(layout, seed):
    groups, known = layout
    result = image_splits(groups, groups, known, seed=seed)
    for image_id, before in known.items():
        if before is not None:
            after = result[image_id]
            assert HELD_OUT_FIRST.index(after) <= HELD_OUT_FIRST.index(before)
            recorded = {known[i] for i, g in groups.items() if g == groups[image_id]} - {None}
            assert after == next(s for s in HELD_OUT_FIRST if s in recorded)


@given(st.integers(3, 60), st.integers(0, 5))
def test_new_groups_fill_every_side_by_the_seed(n_groups, seed):
    groups = {i: f"series:{i % n_groups}" for i in range(3 * n_groups)}
    first = group_splits(groups, {}, seed=seed)
    assert set(first.values()) == set(SIDES)
    assert first == group_splits(groups, {}, seed=seed)


def test_split_group_prefers_the_subject():
    assert split_group("abc", "s1") == split_group("abc", "s2") == "subject:abc"
    assert split_group(None, "s1") != split_group(None, "s2")
