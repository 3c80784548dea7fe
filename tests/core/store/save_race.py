"""Clients saving readings at once (the concurrency test and its benchmark share this).

A solo writer keeps saving its own reading of its own image. A pair of writers shares one
reading (one reader's work open in two windows): each round both load the stored version, meet
at a barrier, and save a different edit expecting that version, so exactly one must win and the
other must be told of the conflict. Each client is its own Project (its own connection).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from core.geometry import Landmarks
from core.store import ConflictError, Project


@dataclass
class WriterLog:
    """What one client was told: versions acknowledged (with what it saved), conflicts seen,
    and any other error (there must be none)."""

    acknowledged: list[tuple[int, int, dict]] = field(default_factory=list)  # reading, version, lm
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)


def edit(writer: int, k: int) -> Landmarks:
    """A distinct valid edit on a 16x16 frame: the width ends move with (writer, k)."""
    shift = (writer * 31 + k) % 13 * 0.25
    return Landmarks((8.0, 2.0), (5.0, 13.0), (11.0, 13.0), (4.0 - shift, 8.0), (12.0 + shift, 8.0))


def solo_writer(url: str, writer: int, image: int, reader: int, saves: int, log: WriterLog) -> None:
    """Save `saves` edits to one's own reading, each expecting the version just stored."""
    try:
        with Project.open(url) as project:
            version = None
            for k in range(saves):
                saved = project.save_reading(
                    image, reader, edit(writer, k), expected_version=version
                )
                version = saved.version
                log.acknowledged.append((saved.id, saved.version, saved.landmarks.to_dict()))
    except Exception as exc:  # recorded, so the test shows it instead of losing it in a thread
        log.errors.append(f"{type(exc).__name__}: {exc}")


def pair_writer(
    url: str,
    writer: int,
    image: int,
    reader: int,
    rounds: int,
    barrier: Callable[[], object],
    log: WriterLog,
) -> None:
    """Each round: load the stored version, wait for the other client, save expecting it."""
    try:
        with Project.open(url) as project:
            for k in range(rounds):
                stored = project.reading(image, reader)
                expected = None if stored is None else stored.version
                barrier()
                try:
                    saved = project.save_reading(
                        image, reader, edit(writer, k), expected_version=expected
                    )
                except ConflictError:
                    log.conflicts += 1
                else:
                    log.acknowledged.append((saved.id, saved.version, saved.landmarks.to_dict()))
                barrier()  # both done before the next load
    except Exception as exc:
        log.errors.append(f"{type(exc).__name__}: {exc}")


def setup_project(url: str, solo: int) -> tuple[list[int], list[int], int, int]:
    """Images and readers for `solo` solo writers and one pair: (images, readers, pair image,
    pair reader)."""
    from store_helpers import SPACING, frame

    with Project.create(url) as project, project.transaction() as repo:
        series = repo.add_series("race", source="synthetic")
        images = [
            repo.add_image(series, frame(100 + i), frame_index=i, spacing=SPACING)[0]
            for i in range(solo + 1)
        ]
        readers = [repo.ensure_annotator(f"reader {i}") for i in range(solo + 1)]
    return images[:solo], readers[:solo], images[solo], readers[solo]


def run_threads(url: str, solo: int, saves: int, rounds: int) -> tuple[list[WriterLog], int]:
    """Solo writers and one pair, all at once, as threads; returns the logs and the pair's
    reading image id."""
    images, readers, pair_image, pair_reader = setup_project(url, solo)
    logs = [WriterLog() for _ in range(solo + 2)]
    barrier = threading.Barrier(2, timeout=60)
    threads = [
        threading.Thread(target=solo_writer, args=(url, i, images[i], readers[i], saves, logs[i]))
        for i in range(solo)
    ]
    threads += [
        threading.Thread(
            target=pair_writer,
            args=(url, solo + j, pair_image, pair_reader, rounds, barrier.wait, logs[solo + j]),
        )
        for j in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return logs, pair_image


def check_nothing_lost(url: str, logs: list[WriterLog]) -> dict[int, int]:
    """Every acknowledged save is in the audit log as acknowledged (same version, same
    landmarks), no version was acknowledged twice, and each reading ends at its last
    acknowledged version. Returns {reading id: final version}."""
    acknowledged: dict[tuple[int, int], dict] = {}
    for log in logs:
        for reading_id, version, landmarks in log.acknowledged:
            assert (reading_id, version) not in acknowledged, "one version acknowledged twice"
            acknowledged[(reading_id, version)] = landmarks
    with Project.open(url) as project:
        audited = {
            (e.reading_id, e.after["version"]): e.after["landmarks"] for e in project.audit()
        }
        finals = {r.id: r.version for r in project.readings()}
    for key, landmarks in acknowledged.items():
        assert audited.get(key) == landmarks, f"acknowledged save {key} is not what was stored"
    for reading_id, final in finals.items():
        versions = sorted(v for r, v in acknowledged if r == reading_id)
        assert versions == list(range(1, final + 1)), "a stored version was never acknowledged"
    return finals
