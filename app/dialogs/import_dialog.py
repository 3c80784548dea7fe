"""Import dialog: core.importer in a worker thread, with progress, cancel and a failure report."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
)

from core.paths import printable_name

PROGRESS_INTERVAL_S = 0.1  # ~10 updates a second keep the bar alive without flooding the GUI


class CancelFlag(threading.Event):
    """A cancel flag the importer may call (`cancel()`) or test (`cancel.is_set()`)."""

    def __call__(self) -> bool:
        return self.is_set()


class ImportWorker(QObject):
    """Runs one import on its own project connection; lives in the runner's thread."""

    progressed = Signal(int, int, str)
    finished = Signal(object, str)  # report or None, error text

    def __init__(self, project_url: str, paths: list[str], cancel: CancelFlag, importer=None):
        super().__init__()
        self._importer = importer  # None: core.importer.import_paths
        self._url = project_url
        self._paths = paths
        self._cancel = cancel
        self._last_emit = 0.0

    def _progress(self, done=0, total=0, message="", *_rest, **_kw) -> None:
        now = time.monotonic()
        if now - self._last_emit >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last_emit = now
            self.progressed.emit(int(done or 0), int(total or 0), str(message or ""))

    @Slot()
    def run(self) -> None:
        from core.store import Project

        try:
            import_paths = self._importer or _default_importer()
            with Project.open(self._url) as project:
                report = import_paths(
                    project, self._paths, progress=self._progress, cancel=self._cancel
                )
        except Exception as exc:  # reported in the dialog; the project's transaction rolled back
            self.finished.emit(None, f"{type(exc).__name__}: {exc}")
            return
        self.finished.emit(report, "")


def _default_importer():
    from core.importer import import_paths

    return import_paths


class ImportDialog(QDialog):
    """Shows one import's progress; Cancel stops it cooperatively; ends with the report."""

    imported = Signal(object)  # the importer's report, after a successful (or cancelled) run

    def __init__(self, project_url: str, paths: list[str], parent=None, *, importer=None):
        super().__init__(parent)
        self.setWindowTitle("Import images")
        self.resize(560, 360)
        self.report = None
        self.error = ""
        self._cancel = CancelFlag()
        self.status_label = QLabel(f"Importing {len(paths)} path(s)…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self._cancel_or_close)
        layout = QVBoxLayout(self)
        for widget in (self.status_label, self.bar, self.details, self.buttons):
            layout.addWidget(widget)
        self._thread = QThread(self)
        self._worker = ImportWorker(project_url, list(paths), self._cancel, importer)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self.status_label.setText(message or f"{done} of {total} files")

    @Slot(object, str)
    def _on_finished(self, report, error: str) -> None:
        self._thread.quit()
        self._thread.wait()
        self.report, self.error = report, error
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.status_label.setText(summary_text(report, error))
        failures = getattr(report, "failures", []) if report is not None else []
        # Pipes, devices and dead links found in folders: skipped, but said why.
        failures = failures + list(getattr(report, "not_regular", []) if report else [])
        if failures or error:
            self.details.setPlainText(
                error or "\n".join(f"{printable_name(path)}: {reason}" for path, reason in failures)
            )
            self.details.show()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        if report is not None:
            self.imported.emit(report)

    def _cancel_or_close(self) -> None:
        if self.running:
            self._cancel.set()
            self.status_label.setText("Cancelling after the current file…")
        else:
            self.reject()

    def closeEvent(self, event) -> None:
        if self.running:
            self._cancel.set()
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if self.running:
            self._cancel_or_close()
            return
        super().reject()


def summary_text(report, error: str) -> str:
    if error:
        return f"The import failed and nothing was imported: {error}"
    parts = [
        f"{_count(report.imported)} imported",
        f"{_count(report.duplicates)} already in the project",
        f"{len(report.failures)} failed",
    ]
    prefix = "Cancelled: " if getattr(report, "cancelled", False) else "Done: "
    return prefix + ", ".join(parts)


def _count(value) -> int:
    return len(value) if hasattr(value, "__len__") else int(value)
