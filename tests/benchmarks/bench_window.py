"""Benchmark: the whole window — frame switch, opening a 10,000-image project, memory after 2,000.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_window.py [--quick]

- Frame switch (256x256 and 1024x1024 uint16 frames, one cine of 40 frames each): the time from
  "next image" (the browser's row change) until the window has shown it: store read (or cache
  hit), canvas set_image, the reading's doc loaded, inspector and cine bar updated and a full
  paint of the canvas viewport (repaint). Between switches the event loop runs untimed for 50 ms,
  as it does while an annotator looks at a frame: that is when prefetched neighbours arrive.
  Reference in the same run: project.pixels() alone (the store's decode, no GUI).
- Open: Project.open + MainWindow + show + first image on screen, for a project of 10,000 tiny
  frames built through the store API in one transaction. Reference: Project.open alone.
- Memory: RSS of this process after the window visited 2,000 distinct 512x512 uint16 frames
  (1 GB of raw pixels) one after another.
Targets (issue 4): switch p95 < 30 ms (256) and < 60 ms (1024); open < 1.5 s; RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_window import MainWindow  # noqa: E402
from app.session import Identity  # noqa: E402
from app.settings import AppSettings  # noqa: E402
from core.geometry import Spacing  # noqa: E402
from core.store import Project  # noqa: E402

WINDOW_SIZE = (1440, 900)


def cine_frames(size: int, count: int, seed: int) -> list[np.ndarray]:
    """A beating bright ellipse in noisy tissue: distinct frames that compress like MRI."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    out = []
    for i in range(count):
        beat = 1.0 - 0.15 * np.sin(np.pi * i / max(count - 1, 1))
        cavity = ((xx - 0.5) / (0.16 * beat)) ** 2 + ((yy - 0.5) / (0.28 * beat)) ** 2 <= 1
        noise = rng.normal(0, 40, (size, size))
        out.append((400 + 1400 * cavity + noise).clip(0, 4095).astype(np.uint16))
    return out


def build_cine(path: Path, size: int, count: int, seed: int = 0) -> None:
    with Project.create(path) as project, project.transaction() as repo:
        series = repo.add_series(f"cine-{size}", view="4CH", frame_interval_ms=30.0)
        for i, pixels in enumerate(cine_frames(size, count, seed)):
            repo.add_image(
                series, pixels, frame_index=i, spacing=Spacing(1.5, 1.5), frame_time_ms=30.0 * i
            )


def open_window(path: Path) -> MainWindow:
    project = Project.open(path)
    me = project.ensure_annotator("bench", "annotator")
    window = MainWindow(project, Identity(me, "bench", "annotator"), AppSettings())
    window.resize(*WINDOW_SIZE)
    window.show()
    window.start()
    QCoreApplication.processEvents()
    return window


def idle(ms: int) -> None:
    """Run the event loop for ms milliseconds (untimed: the user looks at the frame)."""
    timer = QElapsedTimer()
    timer.start()
    while timer.elapsed() < ms:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.002)


def stats_ms(times_s: list[float]) -> dict[str, float]:
    ms = np.asarray(times_s) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def bench_switch(tmp: Path, size: int, count: int) -> dict:
    path = tmp / f"switch{size}.sphericity"
    build_cine(path, size, count, seed=size)
    window = open_window(path)
    idle(200)
    times = []
    for _ in range(count - 1):
        t0 = time.perf_counter()
        window.browser.step(1)
        window.canvas.viewport().repaint()
        times.append(time.perf_counter() - t0)
        idle(50)
    window.close()
    with Project.open(path) as project:
        ids = [i.id for i in project.list_images(limit=count)]
        decode = []
        for image_id in ids:
            t0 = time.perf_counter()
            project.pixels(image_id)
            decode.append(time.perf_counter() - t0)
    return {
        "frame": f"{size}x{size}",
        "switches": len(times),
        "window": stats_ms(times),
        "reference_store_decode_only": stats_ms(decode),
    }


def build_big(path: Path, n: int) -> float:
    t0 = time.perf_counter()
    rng = np.random.default_rng(1)
    with Project.create(path) as project, project.transaction() as repo:
        for s in range(n // 25):
            series = repo.add_series(f"s{s:04d}", view="4CH")
            for f in range(25):
                pixels = rng.integers(0, 4096, (8, 8), dtype=np.uint16)
                repo.add_image(series, pixels, frame_index=f, spacing=Spacing(1.5, 1.5))
    return time.perf_counter() - t0


def bench_open(tmp: Path, n: int, repeats: int) -> dict:
    path = tmp / "big.sphericity"
    build_s = build_big(path, n)
    opens, bare = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        Project.open(path).close()
        bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        window = open_window(path)
        window.canvas.viewport().repaint()
        opens.append(time.perf_counter() - t0)
        assert window.browser.model.rowCount() == n
        window.close()
        QCoreApplication.processEvents()
    return {
        "images": n,
        "build_s": round(build_s, 1),
        "window_open_s": {"median": round(float(np.median(opens)), 3), "max": round(max(opens), 3)},
        "reference_project_open_s": round(float(np.median(bare)), 3),
    }


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def bench_memory(tmp: Path, n: int) -> dict:
    path = tmp / "mem.sphericity"
    t0 = time.perf_counter()
    with Project.create(path) as project, project.transaction() as repo:
        base = cine_frames(512, 20, seed=3)
        for s in range(n // 20):
            series = repo.add_series(f"m{s:04d}")
            for f in range(20):
                pixels = base[f] + np.uint16(s)  # distinct content: no deduplication
                repo.add_image(series, pixels, frame_index=f, spacing=Spacing(1.4, 1.4))
    build_s = time.perf_counter() - t0
    window = open_window(path)
    before = rss_mb()
    visited = {window.session.image.id}
    for _ in range(n - 1):
        window.browser.step(1)
        QCoreApplication.processEvents()
        visited.add(window.session.image.id)
    after = rss_mb()
    cache_mb = window.frames.cache.nbytes / 2**20
    window.close()
    return {
        "images_visited": len(visited),
        "build_s": round(build_s, 1),
        "rss_after_open_mb": round(before),
        "rss_after_visits_mb": round(after),
        "pixel_cache_mb": round(cache_mb),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke check)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp_dir:
        os.environ["SPHERICITY_HOME"] = tmp_dir  # keep the user's settings out of it
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp_dir)
        tmp = Path(tmp_dir)
        count = 12 if args.quick else 40
        results = {
            "switch": [bench_switch(tmp, 256, count), bench_switch(tmp, 1024, count)],
            "open": bench_open(tmp, 1000 if args.quick else 10_000, 2 if args.quick else 5),
            "memory": bench_memory(tmp, 200 if args.quick else 2000),
        }
    print(json.dumps(results, indent=2))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
