"""Predict all: runs `sphericity predict PROJECT --run ID --progress jsonl` as a child process.

Like training, batch prediction runs in a child (app.jsonl_process) so the window never waits on
torch; the child stores predictions batch by batch, so a cancelled run keeps what it finished.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from app.jsonl_process import JsonLinesProcess


class PredictAllRunner(QObject):
    """One prediction run at a time; progress(done, total), finished(run_id, ok, message)."""

    progress = Signal(int, int)
    finished = Signal(int, bool, str)
    runningChanged = Signal(bool)

    def __init__(self, project_url: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project_url = project_url
        self._run_id: int | None = None
        self._done = 0
        self._total = 0
        self._failure = ""
        self._process = JsonLinesProcess(self)
        self._process.event.connect(self._on_event)
        self._process.failed.connect(self._on_failed)
        self._process.finished.connect(self._on_finished)

    def is_running(self) -> bool:
        return self._process.is_running()

    def run_id(self) -> int | None:
        return self._run_id

    def start(self, run_id: int, *, extra_args: tuple[str, ...] = ()) -> bool:
        """Predict every image of the project with this run; False if one is already running."""
        if self.is_running():
            return False
        self._run_id, self._done, self._total, self._failure = int(run_id), 0, 0, ""
        args = ["predict", self._project_url, "--run", str(run_id), "--progress", "jsonl"]
        self._process.start([*args, *extra_args])
        self.runningChanged.emit(True)
        return True

    @Slot()
    def cancel(self) -> None:
        self._process.cancel(kill_after_ms=10_000)

    def cancel_and_wait(self, timeout_ms: int = 20_000) -> bool:
        self.cancel()
        return self._process.wait(timeout_ms) if self.is_running() else True

    @Slot(dict)
    def _on_event(self, event: dict) -> None:
        if event.get("event") == "batch":
            self._done = int(event.get("step") or 0)
            self._total = int(event.get("total_steps") or 0)
            self.progress.emit(self._done, self._total)
        elif event.get("event") == "error":
            self._failure = str(event.get("message", "unknown error"))

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._failure = self._failure or message

    @Slot(int, bool)
    def _on_finished(self, _exit_code: int, ok: bool) -> None:
        if self._process.cancel_requested:
            message = f"Prediction cancelled: {self._done} of {self._total} images predicted."
            ok = False
        elif ok:
            message = f"Run {self._run_id}: predictions stored for {self._done} images."
        else:
            message = f"Prediction failed. {self._failure}".strip()
        self.runningChanged.emit(False)
        self.finished.emit(self._run_id or 0, ok, message)
