"""Benchmark: time of one Project.save_reading, side by side with a bare sqlite3 reference.

Usage: python tests/benchmarks/bench_store.py [--saves 1000] [--images 20] [--open-images N]
       [--json]

Each save is one user action: its own transaction, committed (WAL, synchronous=NORMAL), with the
SI derived, the version checked and an audit row appended. The reference does the least a program
could do for the same action on the same disk in the same run: one sqlite3 transaction that reads
the version and INSERTs or UPDATEs the same landmarks JSON. Saves of both kinds alternate, so load
from other processes hits both alike. The target (DESIGN.md) is a median under 10 ms.

--open-images N also times opening an N-image project as the window does (open, count, first page
of 100) against sqlite3 doing the same reads (target: 10,000 images open in under 1.5 s).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout

from core.geometry import Landmarks, Spacing
from core.store import Project

REFERENCE_SCHEMA = """
CREATE TABLE readings (
    id INTEGER PRIMARY KEY, image_id INTEGER NOT NULL, annotator_id INTEGER NOT NULL,
    landmarks TEXT NOT NULL, version INTEGER NOT NULL, UNIQUE (image_id, annotator_id)
)
"""


def _landmarks(k: int) -> Landmarks:
    shift = (k % 17) * 0.125
    return Landmarks(
        apex=(128.0, 60.0 + shift),
        hinge_a=(100.0, 180.0),
        hinge_b=(156.0, 181.0),
        w1=(90.0 - shift, 120.0),
        w2=(166.0 + shift, 120.0),
    )


class Reference:
    """The plain sqlite3 version of one save, with the store's pragmas."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute(REFERENCE_SCHEMA)

    def save(self, image_id: int, annotator_id: int, landmarks: Landmarks) -> None:
        text = json.dumps(landmarks.to_dict())
        self.db.execute("BEGIN IMMEDIATE")
        row = self.db.execute(
            "SELECT version FROM readings WHERE image_id = ? AND annotator_id = ?",
            (image_id, annotator_id),
        ).fetchone()
        if row is None:
            self.db.execute(
                "INSERT INTO readings (image_id, annotator_id, landmarks, version) "
                "VALUES (?, ?, ?, 1)",
                (image_id, annotator_id, text),
            )
        else:
            self.db.execute(
                "UPDATE readings SET landmarks = ?, version = ? "
                "WHERE image_id = ? AND annotator_id = ?",
                (text, row[0] + 1, image_id, annotator_id),
            )
        self.db.execute("COMMIT")


def _project(folder: Path, n_images: int) -> tuple[Project, int, list[int]]:
    project = Project.create(folder / "bench.sphericity")
    rng = np.random.default_rng(0)
    with project.transaction() as repo:
        reader = repo.ensure_annotator("bench")
        series = repo.add_series("bench-series")
        images = [
            repo.add_image(
                series,
                rng.integers(0, 4096, (256, 256)).astype(np.uint16),
                frame_index=i,
                spacing=Spacing(1.6, 1.5),
            )[0]
            for i in range(n_images)
        ]
    return project, reader, images


def _summary(times_s: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times_s)
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))],
        "mean_ms": statistics.fmean(ms),
    }


def run(saves: int, n_images: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        project, reader, images = _project(Path(folder), n_images)
        reference = Reference(Path(folder) / "reference.db")
        versions: dict[int, int] = {}
        store_s, reference_s = [], []
        for k in range(saves):
            image, lm = images[k % len(images)], _landmarks(k)
            start = time.perf_counter()
            saved = project.save_reading(image, reader, lm, expected_version=versions.get(image))
            store_s.append(time.perf_counter() - start)
            versions[image] = saved.version
            start = time.perf_counter()
            reference.save(image, reader, lm)
            reference_s.append(time.perf_counter() - start)
        reference.db.close()
        project.close()
    store, plain = _summary(store_s), _summary(reference_s)
    return {
        "saves": saves,
        "images": n_images,
        "save_reading": store,
        "sqlite3_reference": plain,
        "median_ratio": store["median_ms"] / plain["median_ms"],
        "target_median_ms": 10.0,
    }


def run_open(n_images: int, repeats: int = 5) -> dict:
    """Time Project.open + count + first page on an n-image project, and the sqlite3 reads."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "open.sphericity"
        rng = np.random.default_rng(1)
        with Project.create(path) as project, project.transaction() as repo:
            series = repo.add_series("open-series")
            for i in range(n_images):
                pixels = rng.integers(0, 4096, (16, 16)).astype(np.uint16)
                repo.add_image(series, pixels, frame_index=i, spacing=Spacing(1.6, 1.5))
        store_s, plain_s = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            with Project.open(path) as project:
                assert project.count_images() == n_images
                assert len(project.list_images(limit=100)) == 100
            store_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            db = sqlite3.connect(path)
            db.execute("SELECT count(*) FROM images").fetchone()
            db.execute(
                "SELECT * FROM images JOIN series ON series.id = images.series_id "
                "ORDER BY images.id LIMIT 100"
            ).fetchall()
            db.close()
            plain_s.append(time.perf_counter() - start)
    return {
        "images": n_images,
        "open_list": _summary(store_s),
        "sqlite3_reference": _summary(plain_s),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--open-images", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.saves, args.images)
    if args.open_images:
        result["open"] = run_open(args.open_images)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.saves} saves over {args.images} images (each its own committed transaction)")
    print(f"{'':22}{'median ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name in ("save_reading", "sqlite3_reference"):
        s = result[name]
        print(f"{name:22}{s['median_ms']:10.3f}{s['p95_ms']:10.3f}{s['mean_ms']:10.3f}")
    verdict = "meets" if result["save_reading"]["median_ms"] < 10 else "MISSES"
    print(f"median ratio {result['median_ratio']:.1f}x; {verdict} the 10 ms target")
    if args.open_images:
        opened = result["open"]
        print(f"open + count + first page of {args.open_images} images (median of 5):")
        for name in ("open_list", "sqlite3_reference"):
            print(f"  {name:20}{opened[name]['median_ms']:10.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
