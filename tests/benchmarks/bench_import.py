"""Benchmark: frames per second importing 256x256 PNG files, beside a bare Pillow+sqlite3 reference.

Usage: python tests/benchmarks/bench_import.py [--frames 300] [--repeats 3] [--json]

The import is `core.importer.import_paths` on a folder of 8-bit 256x256 PNG frames (phantom
MRI-like content, so compression behaves like real data): walk, decode, keyed series hash,
pixel hash, zlib, one committed transaction per file. The reference does the least a program
could do with the same files on the same disk in the same run: Pillow decode, zlib of the
pixels and one sqlite3 INSERT committed per file (WAL, synchronous=NORMAL). Runs alternate so
load from other processes hits both alike. Target (issue 3): at least 100 frames/s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout

from core.importer import import_paths
from core.store import Project


def write_frames(folder: Path, n: int) -> None:
    """n distinct 256x256 8-bit PNG frames cut from phantom images."""
    from PIL import Image

    from core.phantom import generate_frame

    sources = [generate_frame(seed, shape=(256, 256)).pixels for seed in range(4)]
    scaled = [(255.0 * p / max(float(p.max()), 1.0)).astype(np.uint8) for p in sources]
    rng = np.random.default_rng(0)
    for k in range(n):
        frame = np.roll(scaled[k % len(scaled)], int(rng.integers(0, 256)), axis=1)
        frame = frame.copy()
        frame[0, 0] = k % 256  # distinct pixels: no duplicates
        frame[0, 1] = k // 256
        Image.fromarray(frame).save(folder / f"frame_{k:05d}.png")


def reference(folder: Path, db_path: Path) -> float:
    """Seconds for the bare version: decode, hash, compress, insert, commit, per file."""
    from PIL import Image

    db = sqlite3.connect(db_path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE images (id INTEGER PRIMARY KEY, hash TEXT UNIQUE, data BLOB)")
    start = time.perf_counter()
    for path in sorted(folder.glob("*.png")):
        with Image.open(path) as image:
            pixels = np.asarray(image)
        digest = hashlib.sha256(pixels.tobytes()).hexdigest()
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO images (hash, data) VALUES (?, ?)",
            (digest, zlib.compress(pixels.tobytes(), 3)),
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def ours(folder: Path, project_path: Path) -> float:
    """Seconds for import_paths of the folder into a new project."""
    with Project.create(project_path) as project:
        start = time.perf_counter()
        report = import_paths(project, [folder])
        elapsed = time.perf_counter() - start
        if report.failures or project.count_images() != len(report.imported):
            raise SystemExit(f"import went wrong: {report.failures[:3]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "frames").mkdir()
        write_frames(root / "frames", args.frames)
        times: dict[str, list[float]] = {"import_paths": [], "reference": []}
        for k in range(args.repeats):
            times["import_paths"].append(ours(root / "frames", root / f"p{k}.sphericity"))
            times["reference"].append(reference(root / "frames", root / f"r{k}.sqlite"))
    result = {
        name: {"median_s": statistics.median(t), "frames_per_s": args.frames / statistics.median(t)}
        for name, t in times.items()
    }
    result["frames"] = args.frames
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.frames} PNG frames 256x256, median of {args.repeats} runs")
    for name in ("import_paths", "reference"):
        r = result[name]
        print(f"  {name:14}{r['frames_per_s']:9.1f} frames/s  ({r['median_s']:.2f} s)")
    fps = result["import_paths"]["frames_per_s"]
    print(f"target >= 100 frames/s: {'met' if fps >= 100 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
