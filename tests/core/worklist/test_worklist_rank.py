"""The worklist's order: by score, spread over series and subjects, ED of unread series first."""

import random
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from core.worklist import Candidate, Caps, rank


def cand(image_id, series, frame, score, *, group=None, ed=False):
    return Candidate(image_id, series, group or f"series:{series}", frame, ed, score, "why")


@st.composite
def candidate_sets(draw):
    n = draw(st.integers(0, 40))
    out, seen = [], set()
    for image_id in range(1, n + 1):
        series = draw(st.integers(1, 6))
        frame = draw(st.integers(0, 30))
        if (series, frame) in seen:
            continue
        seen.add((series, frame))
        subject = f"subject:{series % 3}"
        score = draw(st.floats(0, 10, allow_nan=False))
        out.append(cand(image_id, series, frame, score, group=subject, ed=frame == 0))
    return out


caps_strategy = st.builds(
    Caps,
    per_series=st.integers(1, 3),
    per_subject=st.integers(1, 4),
    min_gap_frames=st.integers(0, 8),
)


@given(candidate_sets(), caps_strategy, st.randoms(use_true_random=False))
def test_the_whole_list_is_every_candidate_once_whatever_the_input_order(cands, caps, rnd):
    picks = rank(cands, caps=caps)
    assert sorted(p.image_id for p in picks) == sorted(c.image_id for c in cands)
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert rank(shuffled, caps=caps) == picks  # deterministic


@given(candidate_sets(), caps_strategy, st.integers(0, 50))
def test_the_first_n_are_the_head_of_the_whole_list(cands, caps, n):
    assert rank(cands, caps=caps, n=n) == rank(cands, caps=caps)[:n]


@given(candidate_sets(), caps_strategy)
def test_first_round_keeps_the_caps_and_the_gap(cands, caps):
    by_id = {c.image_id: c for c in cands}
    picks = rank(cands, caps=caps)
    first = [by_id[p.image_id] for p in picks if p.round == 1]
    assert max(Counter(c.series_id for c in first).values(), default=0) <= caps.per_series
    assert max(Counter(c.group for c in first).values(), default=0) <= caps.per_subject
    # no two frames of one series closer than the gap, in any capped round
    capped = [by_id[p.image_id] for p in picks if p.round >= 1]
    for a in capped:
        for b in capped:
            if a is not b and a.series_id == b.series_id:
                assert abs(a.frame_index - b.frame_index) >= caps.min_gap_frames
    # rounds come in order, each by score within itself
    rounds = [p.round or 10**6 for p in picks]
    assert rounds == sorted(rounds)
    for level in set(rounds):
        scores = [p.score for p in picks if (p.round or 10**6) == level]
        assert scores == sorted(scores, reverse=True)


@given(candidate_sets())
def test_the_top_pick_has_the_highest_ranking_score(cands):
    picks = rank(cands)
    if picks:
        assert picks[0].score == max(p.score for p in picks)


def test_one_cine_does_not_fill_the_list():
    cine = [cand(i, 1, i, 9.0 - i / 100) for i in range(1, 30)]  # one very doubtful cine
    others = [cand(100 + s, s, 0, 1.0 + s / 10) for s in range(2, 6)]
    picks = rank(cine + others, n=5)
    assert [p.image_id for p in picks] == [1, 105, 104, 103, 102]
    # with two per series, the second frame of the cine is at least the gap away
    two = rank(cine + others, caps=Caps(per_series=2, per_subject=2, min_gap_frames=5), n=2)
    assert [p.image_id for p in two] == [1, 6]


def test_subject_cap_spreads_over_subjects():
    a = [cand(i, i, 0, 5.0, group="subject:A") for i in range(1, 5)]
    b = [cand(10, 10, 0, 1.0, group="subject:B")]
    assert [p.image_id for p in rank(a + b, n=3)] == [1, 2, 10]


def test_ed_frame_of_an_unread_series_stands_for_it():
    series = [cand(1, 7, 0, 0.2, ed=True), cand(2, 7, 9, 4.0), cand(3, 7, 18, 1.0)]
    other = [cand(4, 8, 3, 3.0)]
    picks = rank(series + other)
    assert picks[0].image_id == 1 and picks[0].score == 4.0
    assert picks[0].why.startswith("ED frame of a series with no reading")
    # once the series has a reading, its frames stand on their own scores
    assert [p.image_id for p in rank(series + other, read_series={7})][:2] == [2, 4]


def test_empty_and_zero():
    assert rank([]) == [] and rank([cand(1, 1, 0, 1.0)], n=0) == []


def test_every_frame_of_many_cines_is_placed():
    rng = random.Random(0)
    cands = [cand(i, i // 30, i % 30, rng.random()) for i in range(3000)]
    assert len(rank(cands)) == 3000  # 100 cines of 30 frames: every one placed
