"""Benchmark: how much faster a reading is with suggestions, driving the real window by mouse/keys.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_suggest.py \
         --checkpoint RUN.pt [--n 10] [--json]

On N held-out phantom frames (seeds 30000+, exact landmarks known), two annotators each submit a
reading of every frame through QTest mouse and key events on the real MainWindow:

- manual: 3 clicks (apex, hinge A, hinge B: guided placement puts the width at the maximal
  cavity width), 2 drags (W1 and W2 to the true width), Ctrl+Return (submit): 6 actions.
- suggested: S (suggest from the run's predicted landmarks), 1 drag (the point farthest from the
  truth, to the truth), Y (confirm the rest), Ctrl+Return: 4 actions. A suggestion the window
  refuses (the predicted landmarks are not a valid reading) is read by hand after the S.

Reported per mode: user actions (clicks + drags + keys); a person's time for them by the
Keystroke-Level Model (a published model of expert gesture times, not a measurement of people);
the scripted seconds from the first gesture to the stored submitted reading (the window's own
latency for those gestures, not a person's time); and the accuracy of the submitted reading
against the truth (mean landmark distance in mm, |SI - true SI|). A third mode, suggested-2mm,
drags every point still more than 2 mm from the truth (worst first): the suggestion's cost at an
accuracy closer to a careful manual reading. Predict all runs first through the window (a child
process) and is not counted: it is batch work done once per run. Timings on a shared CPU are
pessimistic.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QPoint, QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_window import MainWindow  # noqa: E402
from app.session import Identity  # noqa: E402
from app.settings import AppSettings  # noqa: E402
from core.geometry import LANDMARK_NAMES, measure  # noqa: E402
from core.store import Project  # noqa: E402

SEED0 = 30_000  # far from the seeds a training run generates (0 ..): held-out frames
# Keystroke-Level Model operator times (Card, Moran & Newell 1980), seconds: point at a target
# with the mouse (P), press or release the button (B), press a key (K), mental preparation (M).
KLM_P, KLM_B, KLM_K, KLM_M = 1.1, 0.1, 0.28, 1.35
MODES = ("manual", "suggested", "suggested-2mm")


def wait_until(predicate, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        QCoreApplication.processEvents()
        time.sleep(0.005)


def build_project(path: Path, n: int, checkpoint: Path) -> dict:
    from core.phantom import generate_frame

    truths = {}
    with Project.create(path) as project:
        for k in range(n):
            frame = generate_frame(SEED0 + k)
            series = project.add_series(f"phantom-{SEED0 + k}", view=frame.view, source="synthetic")
            image_id, _ = project.add_image(
                series, frame.pixels, frame_index=0, spacing=frame.spacing, view=frame.view,
                source="synthetic", is_ed=True,
            )  # fmt: skip
            truths[image_id] = (frame.landmarks, frame.spacing)
        run_id = project.add_run({"bench": "suggest"}, device="cpu", data_snapshot={})
        project.update_run(run_id, status="done", checkpoint_path=str(checkpoint))
    return truths


def open_window(path: Path, name: str) -> MainWindow:
    project = Project.open(path)
    annotator = project.ensure_annotator(name, "annotator")
    window = MainWindow(project, Identity(annotator, name, "annotator"), AppSettings())
    window.resize(1440, 900)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.start()
    wait_until(lambda: window.session.image is not None)
    return window


class Gestures:
    """Real mouse and key events on the window, counted."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.actions = 0
        self.counts = {"click": 0, "drag": 0, "key": 0}

    def klm_seconds(self) -> float:
        """A person's time for these gestures by the Keystroke-Level Model (one M per gesture)."""
        c = self.counts
        click = KLM_M + KLM_P + 2 * KLM_B
        drag = KLM_M + 2 * KLM_P + 2 * KLM_B  # point at the handle, press, point at target, release
        return c["click"] * click + c["drag"] * drag + c["key"] * (KLM_M + KLM_K)

    def _vp(self, point) -> QPoint:
        return self.window.canvas.viewport_point(QPointF(*point)).toPoint()

    def click(self, point) -> None:
        self.actions += 1
        self.counts["click"] += 1
        QTest.mouseClick(
            self.window.canvas.viewport(), Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier, self._vp(point),
        )  # fmt: skip

    def drag(self, start, end, steps: int = 8) -> None:
        self.actions += 1
        self.counts["drag"] += 1
        viewport, a, b = self.window.canvas.viewport(), self._vp(start), self._vp(end)
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for i in range(1, steps + 1):
            t = i / steps
            QTest.mouseMove(viewport, QPoint(round(a.x() + (b.x() - a.x()) * t),
                                             round(a.y() + (b.y() - a.y()) * t)))  # fmt: skip
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)

    def key(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.actions += 1
        self.counts["key"] += 1
        self.window.activateWindow()
        wait_until(lambda: QApplication.activeWindow() is self.window, 5.0)
        self.window.canvas.setFocus()
        QTest.keyClick(self.window.canvas, key, modifier)


def _nearest(p, a, b):
    return a if np.hypot(*np.subtract(p, a)) <= np.hypot(*np.subtract(p, b)) else b


def read_manual(g: Gestures, truth) -> None:
    for point in (truth.apex, truth.hinge_a, truth.hinge_b):
        g.click(point)
    for name in ("w1", "w2"):
        placed = getattr(g.window.session.doc.landmarks, name)
        g.drag(placed, _nearest(placed, truth.w1, truth.w2))


def read_suggested(g: Gestures, truth, spacing, tolerance_mm: float | None = None) -> bool:
    """Suggest, fix the worst point (or every one beyond tolerance_mm), confirm the rest.

    False: the suggestion was refused and the frame read by hand instead.
    """
    g.key(Qt.Key.Key_S)
    if g.window.session.reading is None:  # not a valid reading: the window said so
        read_manual(g, truth)
        return False
    fixed: set[str] = set()
    while True:
        lm = g.window.session.doc.landmarks
        errors = {
            n: _distance_mm(getattr(lm, n), _target(lm, truth, n), spacing)
            for n in LANDMARK_NAMES
            if n not in fixed
        }
        worst = max(errors, key=errors.get) if errors else None
        if worst is None or (fixed and (tolerance_mm is None or errors[worst] <= tolerance_mm)):
            break
        g.drag(getattr(lm, worst), _target(lm, truth, worst))
        fixed.add(worst)
    g.key(Qt.Key.Key_Y)
    return True


def _target(lm, truth, name: str):
    """Where the point belongs (a width end goes to the nearer true width end)."""
    if name in ("w1", "w2"):
        return _nearest(getattr(lm, name), truth.w1, truth.w2)
    return getattr(truth, name)


def _distance_mm(a, b, spacing) -> float:
    return float(np.hypot((a[0] - b[0]) * spacing.col_mm, (a[1] - b[1]) * spacing.row_mm))


def landmark_error_mm(lm, truth, spacing) -> float:
    """Mean distance over the five points (W1/W2 matched either way round)."""
    direct = [_distance_mm(getattr(lm, n), getattr(truth, n), spacing) for n in LANDMARK_NAMES]
    swapped = truth.replace(w1=truth.w2, w2=truth.w1)
    other = [_distance_mm(getattr(lm, n), getattr(swapped, n), spacing) for n in LANDMARK_NAMES]
    return float(min(np.mean(direct), np.mean(other)))


def run_mode(path: Path, truths: dict, mode: str) -> list[dict]:
    window = open_window(path, f"bench-{mode}")
    if mode != "manual" and not window.review.predictions:
        window.review.predict_all()
        wait_until(lambda: window.review.predict_runner.is_running(), 10)
        wait_until(lambda: not window.review.predict_runner.is_running(), 600)
        wait_until(lambda: len(window.review.predictions) == len(truths), 10)
    rows = []
    for image_id, (truth, spacing) in truths.items():
        window.browser.select_image(image_id)
        wait_until(lambda i=image_id: window.session.image.id == i)
        g = Gestures(window)
        start = time.perf_counter()
        suggested = False
        if mode == "manual":
            read_manual(g, truth)
        else:
            suggested = read_suggested(g, truth, spacing, 2.0 if mode == "suggested-2mm" else None)
        g.key(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        reading = window.session.reading
        if reading is None or reading.status != "submitted":
            raise RuntimeError(
                f"{mode}: image {image_id} not submitted ({reading and reading.status}); "
                f"hint {window.canvas.hint()!r}; message {window.last_message!r}"
            )
        seconds = time.perf_counter() - start
        reading = window.session.reading
        true_si = measure(truth, spacing).si
        rows.append(
            {
                "image_id": image_id,
                "suggestion_used": suggested,
                "actions": g.actions,
                **g.counts,
                "seconds": seconds,
                "klm_seconds": g.klm_seconds(),
                "landmark_error_mm": landmark_error_mm(reading.landmarks, truth, spacing),
                "si_error": abs(reading.si - true_si),
                "unchanged_points": sum(
                    bool(v) for v in ((reading.suggested or {}).get("points") or {}).values()
                ),
            }
        )
    window.shutdown()
    window.close()
    return rows


def summarize(rows: list[dict]) -> dict:
    def mean(key):
        return statistics.fmean(r[key] for r in rows)

    return {
        "images": len(rows),
        "actions_mean": mean("actions"),
        "clicks_mean": mean("click"),
        "drags_mean": mean("drag"),
        "keys_mean": mean("key"),
        "klm_seconds_mean": mean("klm_seconds"),
        "seconds_mean": mean("seconds"),
        "seconds_median": statistics.median(r["seconds"] for r in rows),
        "landmark_error_mm_mean": mean("landmark_error_mm"),
        "si_error_mean": mean("si_error"),
        "unchanged_points_mean": mean("unchanged_points"),
        "suggestions_refused": sum(1 for r in rows if not r["suggestion_used"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="a trained run's checkpoint")
    parser.add_argument("--n", type=int, default=10, help="frames (default 10)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.defaultFormat(), QSettings.Scope.UserScope, tmp)
        path = Path(tmp) / "bench.sphericity"
        truths = build_project(path, args.n, Path(args.checkpoint))
        result = {mode: summarize(run_mode(path, truths, mode)) for mode in MODES}
    app.processEvents()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for mode, s in result.items():
            print(
                f"{mode:13s}  {s['actions_mean']:.1f} actions ({s['clicks_mean']:.1f} clicks, "
                f"{s['drags_mean']:.1f} drags, {s['keys_mean']:.1f} keys)  KLM "
                f"{s['klm_seconds_mean']:.1f} s  window {s['seconds_mean']:.3f} s mean "
                f"({s['seconds_median']:.3f} median)  landmark error "
                f"{s['landmark_error_mm_mean']:.2f} mm  |SI error| {s['si_error_mean']:.4f}  "
                f"points accepted unchanged {s['unchanged_points_mean']:.1f}/5  "
                f"({s['images']} images"
                + (
                    f", {s['suggestions_refused']} suggestions refused)"
                    if mode != "manual"
                    else ")"
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
