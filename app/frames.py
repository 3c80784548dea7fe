"""Decoded pixels for the window: a byte-budgeted LRU cache and a prefetch thread for neighbours."""

from __future__ import annotations

import queue
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024


class PixelCache:
    """Least-recently-used image_id -> pixels, evicting beyond a byte budget."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._items: OrderedDict[int, np.ndarray] = OrderedDict()
        self.nbytes = 0

    def __contains__(self, image_id: int) -> bool:
        return image_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def get(self, image_id: int) -> np.ndarray | None:
        pixels = self._items.get(image_id)
        if pixels is not None:
            self._items.move_to_end(image_id)
        return pixels

    def put(self, image_id: int, pixels: np.ndarray) -> None:
        old = self._items.pop(image_id, None)
        if old is not None:
            self.nbytes -= old.nbytes
        if pixels.nbytes > self.budget_bytes:
            return  # larger than the whole budget: never worth keeping
        self._items[image_id] = pixels
        self.nbytes += pixels.nbytes
        while self.nbytes > self.budget_bytes:
            _, evicted = self._items.popitem(last=False)
            self.nbytes -= evicted.nbytes

    def clear(self) -> None:
        self._items.clear()
        self.nbytes = 0


class _PrefetchThread(QThread):
    """Decodes requested frames off the GUI thread; the newest request wins."""

    loaded = Signal(int, object)

    def __init__(self, project) -> None:
        super().__init__()
        self._project = project  # the store's engine and records are safe across threads
        self._requests: queue.Queue[list[int] | None] = queue.Queue()

    def request(self, image_ids: list[int]) -> None:
        self._requests.put(list(image_ids))

    def stop(self) -> None:
        self._requests.put(None)
        self.wait()

    def run(self) -> None:
        self._serve(self._project)

    def _serve(self, project) -> None:
        while True:
            ids = self._requests.get()
            while ids is not None and not self._requests.empty():
                ids = self._requests.get()  # the user moved on: only the latest request matters
            if ids is None:
                return
            for image_id in ids:
                if not self._requests.empty():
                    break
                try:
                    pixels = project.pixels(image_id)
                except Exception:  # deleted meanwhile or unreadable: the GUI thread will report
                    continue
                self.loaded.emit(image_id, pixels)


class FrameSource(QObject):
    """Pixels by image id: cached, else decoded now; neighbours are decoded in the background."""

    def __init__(self, project, *, budget_bytes: int = DEFAULT_BUDGET_BYTES, prefetch=True):
        super().__init__()
        self._project = project
        self.cache = PixelCache(budget_bytes)
        self._thread: _PrefetchThread | None = None
        if prefetch and _is_file_backed(project.url):
            self._thread = _PrefetchThread(project)
            self._thread.loaded.connect(self._on_loaded)
            self._thread.start()

    def pixels(self, image_id: int) -> np.ndarray:
        pixels = self.cache.get(image_id)
        if pixels is None:
            pixels = self._project.pixels(image_id)
            self.cache.put(image_id, pixels)
        return pixels

    def prefetch(self, image_ids: list[int]) -> None:
        missing = [i for i in image_ids if i not in self.cache]
        if self._thread is not None and missing:
            self._thread.request(missing)

    @Slot(int, object)
    def _on_loaded(self, image_id: int, pixels: np.ndarray) -> None:
        if image_id not in self.cache:
            self.cache.put(image_id, pixels)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
        self.cache.clear()


def _is_file_backed(url: str) -> bool:
    # An in-memory database lives on one shared connection, unsafe to use from two threads.
    from core.store.engine import is_memory

    return not is_memory(url)
