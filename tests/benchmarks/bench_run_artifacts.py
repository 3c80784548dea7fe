"""Benchmark: storing a checkpoint-sized run file in a project and fetching it on another client.

Usage: python tests/benchmarks/bench_run_artifacts.py [--mib 100] [--json]

One random file of --mib MiB (a ResNet50 checkpoint is about 100 MiB) is published the way
training does (core.runs.publish_checkpoint: stored in chunks, moved into the trainer's cache)
and fetched by a second client with its own user data folder (core.runs.checkpoint_file:
downloaded, sha256 checked), then read again from that cache (hashed once per process). Beside
each figure, the plain reference measured in the same run: copying the file with shutil and
hashing it with hashlib. The PostgreSQL server is a throwaway one (tests/pg_server.py, durable
settings) on loopback: a lab network adds its own transfer time. (SQLite projects keep run files
beside their file: nothing to measure.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def measure(url: str, folder: Path, mib: int) -> dict:
    """Publish from one client, fetch from another; seconds and MiB/s of each step."""
    from core import run_cache
    from core.runs import checkpoint_file, checkpoint_name, publish_checkpoint, runs_dir
    from core.store import Project

    os.environ["SPHERICITY_HOME"] = str(folder / "trainer")
    with Project.create(url) as project:
        run_id = project.add_run({}, device="cpu", data_snapshot={})
        written = runs_dir(project) / checkpoint_name(run_id)
        written.parent.mkdir(parents=True, exist_ok=True)
        with open(written, "wb") as out:
            for _ in range(mib):
                out.write(os.urandom(2**20))
        reference = folder / "reference.pt"
        copy_s, _ = _timed(lambda: shutil.copyfile(written, reference))
        hash_s, _ = _timed(lambda: hashlib.sha256(reference.read_bytes()).hexdigest())
        publish_s, _ = _timed(lambda: publish_checkpoint(project, run_id, written))
        project.update_run(run_id, status="done", checkpoint_path=checkpoint_name(run_id))
    os.environ["SPHERICITY_HOME"] = str(folder / "annotator")
    run_cache._verified.clear()
    with Project.open(url) as project:
        run = project.run(run_id)
        fetch_s, path = _timed(lambda: checkpoint_file(project, run))
        run_cache._verified.clear()  # a new process: the cached copy is hashed once
        cached_s, again = _timed(lambda: checkpoint_file(project, run))
    assert path == again and path.stat().st_size == mib * 2**20

    def rate(seconds: float) -> float:
        return round(mib / seconds, 1)

    return {
        "mib": mib,
        "publish_s": round(publish_s, 2),
        "publish_mib_s": rate(publish_s),
        "fetch_s": round(fetch_s, 2),
        "fetch_mib_s": rate(fetch_s),
        "cached_first_use_s": round(cached_s, 2),
        "reference_copy_mib_s": rate(copy_s),
        "reference_sha256_mib_s": rate(hash_s),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from pg_server import start_server

    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs"}
    server = start_server(durable=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
            results["postgresql (loopback, fsync on)"] = measure(
                server.database_url(), Path(tmp), args.mib
            )
    finally:
        server.remove()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
