"""Computes Grad-CAM overlays in a worker thread and caches them per run, image and layer.

The canvas stays interactive while a map computes: requests go to one worker thread (the runner
owns it), only the newest request is computed when several queue up, and finished maps come back
as RGBA images through a queued signal to this GUI-thread object.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

CACHE_ENTRIES = 64


@dataclass(frozen=True)
class CamRequest:
    run_id: int
    # Gives the checkpoint's path; called in the worker thread, since a server project's run
    # may first be fetched from the database into this client's cache (core.runs).
    checkpoint: Callable[[], Path | None]
    image_id: int
    layer: str
    pixels: np.ndarray
    spacing: object  # core.geometry.Spacing

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.run_id, self.image_id, self.layer)


def cam_to_rgba(cam: np.ndarray) -> np.ndarray:
    """Signed map in [-1, 1] -> RGBA: blue lowers SI, red raises it, alpha grows with |value|."""
    from model.overlay import diverging_rgb  # the worker thread may import model

    value = np.nan_to_num(cam, nan=0.0)
    rgba = np.empty((*cam.shape, 4), dtype=np.uint8)
    rgba[..., :3] = diverging_rgb(value)
    # |value|^0.7 keeps weak evidence faintly visible; outside the field of view is clear.
    alpha = np.clip(np.abs(value), 0, 1) ** 0.7 * 255
    rgba[..., 3] = np.where(np.isfinite(cam), alpha, 0).astype(np.uint8)
    return rgba


class _CamWorker(QObject):
    done = Signal(object, object)  # key, rgba
    failed = Signal(object, str)

    def __init__(self, is_current) -> None:
        super().__init__()
        self._is_current = is_current
        self._predictors: dict[str, object] = {}

    @Slot(object)
    def compute(self, request: CamRequest) -> None:
        if not self._is_current(request.key):
            return  # the user has moved on; skip stale work
        try:
            from model.gradcam import gradcam_map
            from model.infer import Predictor

            path = request.checkpoint()
            if path is None:
                raise FileNotFoundError(f"run {request.run_id} has no checkpoint")
            predictor = self._predictors.get(str(path))
            if predictor is None:
                self._predictors.clear()  # one model in memory at a time
                predictor = Predictor.from_checkpoint(path)
                self._predictors[str(path)] = predictor
            cam = gradcam_map(predictor, request.pixels, request.spacing, request.layer)
            self.done.emit(request.key, cam_to_rgba(cam))
        except Exception as exc:  # reported in the window, never fatal
            self.failed.emit(request.key, f"{exc.__class__.__name__}: {exc}")


class GradCamRunner(QObject):
    """`request(...)` a map; `ready(run_id, image_id, layer)` once `cached(...)` holds it."""

    ready = Signal(int, int, str)
    failed = Signal(str)
    busyChanged = Signal(bool)
    _submit = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._latest: tuple | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._thread = QThread(self)
        self._thread.setObjectName("gradcam")
        self._worker = _CamWorker(self._is_current)  # one owner: this runner
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.compute)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()

    def cached(self, run_id: int, image_id: int, layer: str) -> np.ndarray | None:
        key = (run_id, image_id, layer)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        return None

    def request(self, request: CamRequest) -> bool:
        """Queue a map unless cached; returns True when it was already there."""
        with self._lock:
            self._latest = request.key
        if request.key in self._cache:
            self.ready.emit(*request.key)
            return True
        self._pending += 1
        self.busyChanged.emit(True)
        self._submit.emit(request)
        return False

    def shutdown(self) -> None:
        """Stop the worker thread (waits for a map in progress: it writes no files)."""
        with self._lock:
            self._latest = None
        self._thread.quit()
        self._thread.wait()

    def _is_current(self, key) -> bool:
        with self._lock:
            return key == self._latest

    @Slot(object, object)
    def _on_done(self, key, rgba) -> None:
        self._cache[key] = rgba
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        self._finish_one()
        self.ready.emit(*key)

    @Slot(object, str)
    def _on_failed(self, key, message: str) -> None:
        self._finish_one()
        self.failed.emit(f"Grad-CAM for image {key[1]} failed: {message}")

    def _finish_one(self) -> None:
        self._pending = max(0, self._pending - 1)
        if self._pending == 0:
            self.busyChanged.emit(False)
