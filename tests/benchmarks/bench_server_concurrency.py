"""Benchmark: several clients saving readings at once, on SQLite and on a PostgreSQL server.

Usage: python tests/benchmarks/bench_server_concurrency.py [--saves 200] [--rounds 100]
       [--solo 4] [--backend sqlite|postgresql|both] [--json]

Each client is its own process with its own connection: --solo writers each save their own
reading of their own image (`--saves` times, each expecting the version just stored), and one
pair of writers shares one reading: every round both load it, meet, and save different edits
expecting the loaded version, so one wins and the other is told of the conflict. Reported per back
end: acknowledged saves per second over the whole race (wall time from the common start to the
last save), conflicts detected, and lost saves (acknowledged but not stored as acknowledged:
must be 0; the audit log is the witness). The PostgreSQL server is a throwaway one started here
(tests/pg_server.py) with durable settings (fsync on); SQLite is a WAL file in a temp folder.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import sys
import tempfile
import time
from pathlib import Path

# Run from a source checkout: the project, the test server and the race helpers.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "store"))

from save_race import WriterLog, check_nothing_lost, pair_writer, setup_project, solo_writer


def _solo(url, writer, image, reader, saves, start, results):
    log = WriterLog()
    start.wait()
    solo_writer(url, writer, image, reader, saves, log)
    results.put((writer, log, time.monotonic()))


def _pair(url, writer, image, reader, rounds, start, barrier, results):
    log = WriterLog()
    start.wait()
    pair_writer(url, writer, image, reader, rounds, barrier.wait, log)
    results.put((writer, log, time.monotonic()))


def race(url: str, solo: int, saves: int, rounds: int) -> dict:
    """Run one race on the project at `url` (created here) and check that nothing was lost."""
    images, readers, pair_image, pair_reader = setup_project(url, solo)
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(solo + 3)
    barrier, results = ctx.Barrier(2), ctx.Queue()
    processes = [
        ctx.Process(target=_solo, args=(url, i, images[i], readers[i], saves, start, results))
        for i in range(solo)
    ] + [
        ctx.Process(
            target=_pair,
            args=(url, solo + j, pair_image, pair_reader, rounds, start, barrier, results),
        )
        for j in range(2)
    ]
    for process in processes:
        process.start()
    start.wait()  # every client is up: the clock starts with them
    began = time.monotonic()
    finished = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    logs = [log for _, log, _ in sorted(finished, key=lambda item: item[0])]
    elapsed_s = max(at for _, _, at in finished) - began
    errors = [e for log in logs for e in log.errors]
    acknowledged = sum(len(log.acknowledged) for log in logs)
    lost = 0
    try:
        check_nothing_lost(url, logs)
    except AssertionError as exc:
        lost, errors = -1, [*errors, f"lost or overwritten: {exc}"]
    return {
        "clients": solo + 2,
        "acknowledged_saves": acknowledged,
        "saves_per_s": round(acknowledged / elapsed_s, 1),
        "elapsed_s": round(elapsed_s, 2),
        "conflicts_detected": sum(log.conflicts for log in logs),
        "conflicts_expected": rounds,
        "lost_saves": lost,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--solo", type=int, default=4)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = {"machine": f"{platform.node()} {platform.machine()}, {mp.cpu_count()} CPUs"}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            url = str(Path(folder) / "race.sphericity")
            report["sqlite"] = race(url, args.solo, args.saves, args.rounds)
    if args.backend in ("postgresql", "both"):
        from pg_server import start_server

        server = start_server(durable=True)
        try:
            report["postgresql"] = race(
                server.database_url("race"), args.solo, args.saves, args.rounds
            )
            report["postgresql_version"] = _server_version(server)
        finally:
            server.remove()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(report["machine"])
        for name in ("sqlite", "postgresql"):
            if name in report:
                r = report[name]
                print(
                    f"{name:>10}: {r['clients']} clients, {r['acknowledged_saves']} saves in "
                    f"{r['elapsed_s']} s = {r['saves_per_s']} saves/s; conflicts detected "
                    f"{r['conflicts_detected']}/{r['conflicts_expected']}; lost {r['lost_saves']}"
                    f"; errors {len(r['errors'])}"
                )
    failed = any(report[n]["errors"] for n in ("sqlite", "postgresql") if n in report)
    return 1 if failed else 0


def _server_version(server) -> str:
    with server.admin_connect() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
