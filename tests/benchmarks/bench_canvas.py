"""Benchmark: canvas frame switch (set_image + paint) against a bare QLabel in the same run.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_canvas.py [--n 200]
One switch = ReadingCanvas.set_image(uint16 frame, spacing, window) with a reading drawn on top,
then a full paint of the viewport (grab). The reference per switch is QLabel.setPixmap of a
pre-windowed, pre-scaled uint8 QImage and its paint (grab): what a frame costs with no work of
ours. Targets (issue 4): p95 < 30 ms for 256x256, < 60 ms for 1024x1024.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QImage, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from app.canvas import ReadingCanvas, render  # noqa: E402
from core.edits import ReadingDoc  # noqa: E402
from core.geometry import Landmarks, Spacing  # noqa: E402

VIEW_SIZE = (900, 760)
TARGET_P95_MS = {256: 30.0, 1024: 60.0}


def frames(size: int, count: int = 8) -> list[np.ndarray]:
    """Distinct seeded uint16 frames with a bright ellipse (so every switch repaints new data)."""
    rng = np.random.default_rng(size)
    yy, xx = np.mgrid[0:size, 0:size] / size
    cavity = ((xx - 0.5) / 0.18) ** 2 + ((yy - 0.5) / 0.3) ** 2 <= 1
    return [
        (400 + 1400 * cavity + rng.normal(0, 60, (size, size))).clip(0, 4095).astype(np.uint16)
        for _ in range(count)
    ]


def landmarks(size: int) -> Landmarks:
    s = size / 256
    return Landmarks(
        (128 * s, 50 * s),
        (95 * s, 200 * s),
        (160 * s, 200 * s),
        (85 * s, 128 * s),
        (170 * s, 128 * s),
    )


def percentiles(times_s: list[float]) -> dict[str, float]:
    ms = np.asarray(times_s) * 1000.0
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


def time_canvas(size: int, n: int, *, auto_window: bool) -> dict[str, float]:
    canvas = ReadingCanvas()
    canvas.resize(*VIEW_SIZE)
    canvas.show()
    doc = ReadingDoc(landmarks=landmarks(size))
    canvas.set_doc(doc, locked=False)
    stack = frames(size)
    spacing = Spacing(1.5, 1.5)
    window = None if auto_window else (1100.0, 2000.0)
    canvas.set_image(stack[0], spacing, window)
    canvas.viewport().grab()  # warm-up: fonts, first layout
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        canvas.set_image(stack[i % len(stack)], spacing, window)
        canvas.viewport().grab()
        times.append(time.perf_counter() - t0)
    canvas.close()
    canvas.deleteLater()
    return percentiles(times)


def time_reference(size: int, n: int) -> dict[str, float]:
    label = QLabel()
    label.resize(*VIEW_SIZE)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.show()
    side = min(VIEW_SIZE)
    images = [
        render.frame_to_qimage(f, 1100.0, 2000.0)
        .scaled(
            side,
            side,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
        .convertToFormat(QImage.Format.Format_Grayscale8)
        for f in frames(size)
    ]
    label.setPixmap(QPixmap.fromImage(images[0]))
    label.grab()
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        label.setPixmap(QPixmap.fromImage(images[i % len(images)]))
        label.grab()
        times.append(time.perf_counter() - t0)
    label.close()
    return percentiles(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="frame switches per case")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    results = []
    for size in (256, 1024):
        row = {"size": size, "n": args.n, "target_p95_ms": TARGET_P95_MS[size]}
        row["reference_qlabel"] = time_reference(size, args.n)
        row["canvas_window_given"] = time_canvas(size, args.n, auto_window=False)
        row["canvas_auto_window"] = time_canvas(size, args.n, auto_window=True)
        results.append(row)
        app.processEvents()
    print(f"{'frame':>10} {'case':<22} {'p50 ms':>8} {'p95 ms':>8}  target p95")
    for row in results:
        for case in ("reference_qlabel", "canvas_window_given", "canvas_auto_window"):
            r = row[case]
            target = "" if case == "reference_qlabel" else f"< {row['target_p95_ms']:.0f} ms"
            print(
                f"{row['size']:>5}x{row['size']:<4} {case:<22} {r['p50_ms']:8.2f} "
                f"{r['p95_ms']:8.2f}  {target}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
