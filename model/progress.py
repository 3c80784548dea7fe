"""Progress for people or programs (JSON lines on stdout), and cancel on SIGINT/SIGTERM."""

from __future__ import annotations

import json
import math
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from core.vocab import ProgressEvent


def progress_event(kind: ProgressEvent, **fields: Any) -> dict[str, Any]:
    """One progress event: {"event": kind, **fields} (kind from the closed vocabulary)."""
    return {"event": kind, **fields}


def json_safe(value):
    """JSON cannot hold NaN or infinity: send null for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def jsonl_reporter(stream=None) -> Callable[[dict], None]:
    """Print each event as one JSON line and flush (a reader sees it at once)."""
    out = stream or sys.stdout

    def report(event: dict) -> None:
        out.write(json.dumps(json_safe(event), default=str) + "\n")
        out.flush()

    return report


def human_reporter(stream=None) -> Callable[[dict], None]:
    """A one-line progress bar for batches, a line per validation, a summary at the end."""
    out = stream or sys.stderr

    def report(e: dict) -> None:
        kind = e["event"]
        if kind == "start":
            out.write(
                f"run {e['run_id']}: {e['n_train']} training, {e['n_val']} validation "
                f"images on {e['device']}; {e['total_steps']} steps\n"
            )
        elif kind == "batch":
            done = e["step"] / max(e["total_steps"], 1)
            bar = "#" * int(30 * done)
            out.write(
                f"\r[{bar:30s}] {100 * done:5.1f}% epoch {e['epoch']} loss {e['loss']:.4f} "
                f"{e['images_per_s']:.1f} img/s eta {e['eta_s'] / 60:.1f} min "
            )
        elif kind == "val":
            out.write(
                f"\nepoch {e['epoch']}: train loss {_fmt(e.get('loss'))}, val loss "
                f"{_fmt(e.get('val_loss'))}, SI MSE regression {_fmt(e.get('val_mse_regression'))}"
                f", landmarks {_fmt(e.get('val_mse_landmarks'))}, landmark error "
                f"{_fmt(e.get('val_landmark_error_mm_median'))} mm\n"
            )
        elif kind in ("done", "cancelled"):
            out.write(
                f"run {e['run_id']} {kind} in {e['duration_s'] / 60:.1f} min; "
                f"checkpoint {e['checkpoint']}\n"
            )
        elif kind == "error":
            out.write(f"\nrun failed: {e['message']}\n")
        out.flush()

    return report


def _fmt(value) -> str:
    return f"{value:.5f}" if isinstance(value, float) and math.isfinite(value) else "n/a"


def make_reporter(kind: str) -> Callable[[dict], None]:
    """ "jsonl" or "human"."""
    return jsonl_reporter() if kind == "jsonl" else human_reporter()


class CancelFlag:
    """Context: SIGINT/SIGTERM set a flag (the loop finishes its batch and saves) instead of
    killing the process; a second SIGINT interrupts at once."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._old: dict = {}

    def is_set(self) -> bool:
        return self._event.is_set()

    def _handle(self, signum, frame) -> None:
        if self._event.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self._event.set()
        print("\ncancelling: finishing the current batch and saving", file=sys.stderr, flush=True)

    def __enter__(self) -> CancelFlag:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
