"""The worklist: the unread images in the order to read them, by the model's doubt, spread out.

Ranked by the acquisition score (core.acquisition) of the chosen run's predictions, with a
diversity rule, so that one hour of reading covers many hearts rather than one cine:

- the first round takes at most `per_series` frames of a series and `per_subject` of a subject
  (core.splits.split_group: the subject key, else the series), and never two frames of one
  series closer than `min_gap_frames`; each later round allows one more per series and subject
  (the gap stays), and what no round can take follows in score order;
- a series the project has no reading for is read on its ED frame (SI is read on ED): that frame
  stands for the series, with the highest score among the series' frames.

Ties are broken by image id, so the list is the same for the same inputs in any order.
An image is read once it has a reading in READ_STATUSES (a draft is a person reading it; a
rejected reading asks for a new one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.acquisition import acquisition, current, explain, run_distance_limit
from core.vocab import ReadingStatus

READ_STATUSES: tuple[ReadingStatus, ...] = ("draft", "submitted", "approved")
PER_SERIES = 1
PER_SUBJECT = 2
MIN_GAP_FRAMES = 5


@dataclass(frozen=True)
class Candidate:
    """An unread image with its acquisition score."""

    image_id: int
    series_id: int
    group: str  # the subject (core.splits.split_group)
    frame_index: int
    is_ed: bool
    score: float
    why: str  # the reason in words (core.acquisition.explain)


@dataclass(frozen=True)
class Pick:
    """A place on the worklist: the image, the score it is ranked by, and why."""

    image_id: int
    score: float  # its own score, or its series' highest for the ED frame of an unread series
    why: str
    round: int  # 1: within the caps; 2, 3...: caps raised; 0: taken after every round


@dataclass(frozen=True)
class Caps:
    """The diversity rule's limits (see the module's docstring)."""

    per_series: int = PER_SERIES
    per_subject: int = PER_SUBJECT
    min_gap_frames: int = MIN_GAP_FRAMES


@dataclass
class _Taken:
    by_series: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_group: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def allows(self, c: Candidate, caps: Caps, level: int) -> bool:
        frames = self.by_series[c.series_id]
        if (
            len(frames) >= caps.per_series * level
            or self.by_group[c.group] >= caps.per_subject * level
        ):
            return False
        return all(abs(c.frame_index - f) >= caps.min_gap_frames for f in frames)

    def take(self, c: Candidate) -> None:
        self.by_series[c.series_id].append(c.frame_index)
        self.by_group[c.group] += 1


def _ranked(
    candidates: Iterable[Candidate], read_series: frozenset[int]
) -> list[tuple[Candidate, Pick]]:
    """Picks in score order, the ED frame of an unread series carrying the series' best."""
    items = list(candidates)
    best: dict[int, Candidate] = {}
    for c in items:
        top = best.get(c.series_id)
        if top is None or (c.score, -c.image_id) > (top.score, -top.image_id):
            best[c.series_id] = c
    picks = []
    for c in items:
        top = best[c.series_id]
        if c.is_ed and c.series_id not in read_series and top.image_id != c.image_id:
            why = f"ED frame of a series with no reading; its frames: {top.why}"
            picks.append((c, Pick(c.image_id, max(top.score, c.score), why, 0), 0))
        else:
            picks.append((c, Pick(c.image_id, c.score, c.why, 0), 1))
    # At equal scores the ED frame standing for its series goes first, then the lower id.
    picks.sort(key=lambda cpe: (-cpe[1].score, cpe[2], cpe[0].image_id))
    return [(c, p) for c, p, _ in picks]


def rank(
    candidates: Iterable[Candidate],
    *,
    read_series: Iterable[int] = (),
    caps: Caps = Caps(),
    n: int | None = None,
) -> list[Pick]:
    """The worklist of the candidates (the first n; None: all of them, in order)."""
    pending = _ranked(candidates, frozenset(read_series))
    taken, level = _Taken(), 1
    out: list[Pick] = []
    limit = len(pending) if n is None else max(n, 0)
    while pending and len(out) < limit:
        left = []
        for c, pick in pending:
            if len(out) < limit and taken.allows(c, caps, level):
                taken.take(c)
                out.append(Pick(pick.image_id, pick.score, pick.why, level))
            else:
                left.append((c, pick))
        if len(left) == len(pending):  # no round can take more: the rest in score order
            out += [Pick(p.image_id, p.score, p.why, 0) for _, p in left[: limit - len(out)]]
            break
        pending, level = left, level + 1
    return out


# -- from a project ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Worklist:
    """A run's worklist over a project, and what it could not score."""

    run_id: int
    picks: list[Pick]
    unread: int  # unread images
    # Unread images the run has not scored (no prediction, or one without any signal): not
    # on the list until the run predicts them.
    without_prediction: int


def read_images(readings: Iterable) -> set[int]:
    """Ids of the images that have a reading in READ_STATUSES (ReadingInfo rows)."""
    return {r.image_id for r in readings if r.status in READ_STATUSES}


def stored_acquisition(row: dict, distance_limit: float | None) -> dict | None:
    """A prediction row's stored acquisition, recomputed when missing or of an older formula."""
    stored = row.get("acquisition")
    return stored if current(stored) else acquisition(row, distance_limit)


def project_candidates(project, run_id: int) -> tuple[list[Candidate], set[int], int]:
    """(candidates, ids of series with a reading, unread images without a prediction)."""
    with project.transaction(write=False) as repo:  # one consistent read
        limit = run_distance_limit(repo.run(run_id).metrics)
        predictions = repo.predictions(run_id)
        read = read_images(repo.readings())
        images = repo.list_images(limit=None)
        groups = repo.split_groups()
    read_series = {i.series_id for i in images if i.id in read}
    out, missing = [], 0
    for info in images:
        if info.id in read:
            continue
        acq = stored_acquisition(predictions[info.id], limit) if info.id in predictions else None
        if acq is None:
            missing += 1
            continue
        group = groups[info.id][0]  # core.splits.split_group: the subject, else the series
        out.append(
            Candidate(
                info.id,
                info.series_id,
                group,
                info.frame_index,
                info.is_ed,
                acq["score"],
                explain(acq),
            )
        )
    return out, read_series, missing


def worklist(project, run_id: int, *, n: int | None = None, caps: Caps = Caps()) -> Worklist:
    """The run's worklist over the project's unread images (the first n; None: all)."""
    candidates, read_series, missing = project_candidates(project, run_id)
    picks = rank(candidates, read_series=read_series, caps=caps, n=n)
    return Worklist(run_id, picks, len(candidates) + missing, missing)
