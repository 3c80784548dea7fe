"""The training dock: form, Start/Cancel, progress with ETA, live loss curves and a log.

Training runs as `sphericity train PROJECT --progress jsonl` in a child process; this panel only
reads its JSON lines, so the window never waits on torch.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.jsonl_process import JsonLinesProcess
from app.panels.plot_widget import PlotWidget
from app.panels.train_form import TrainForm

LOG_MAX_LINES = 2000


class TrainingPanel(QWidget):
    """Starts and follows one training run of the open project."""

    runFinished = Signal(object)  # run id (int) or None
    runningChanged = Signal(bool)

    def __init__(self, project_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project_url = project_url
        self._process = JsonLinesProcess(self)
        self._process.event.connect(self._on_event)
        self._process.logLine.connect(self._append_log)
        self._process.failed.connect(self._on_failed)
        self._process.finished.connect(self._on_finished)
        self._curves: dict[str, list[tuple[float, float]]] = {"train": [], "val": []}
        self._last_run_id: int | None = None
        self._epochs = 1
        self._last_draw = 0.0
        self._build()

    def _build(self) -> None:
        self.form = TrainForm()
        self.start_from = QComboBox()
        # Long run descriptions elide rather than widen the dock past the inspector's room.
        self.start_from.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.start_from.setMinimumContentsLength(16)
        self.start_from.setToolTip(
            "Scratch or ImageNet weights: a new model. A run: fine-tune it on this project's "
            "readings (its weights and preprocessing; fine-tuning defaults for the options "
            "left at their defaults)."
        )
        form_box = QGroupBox("Settings (defaults are tuned: press Start)")
        box_layout = QVBoxLayout(form_box)
        start_row = QFormLayout()
        start_row.addRow("Start from", self.start_from)
        box_layout.addLayout(start_row)
        box_layout.addWidget(self.form)
        self.refresh_start_from()
        self.device_label = QLabel("Device: detected when training starts")
        self.estimate_label = QLabel("Time per epoch: measured during the first epoch")
        self.start_button = QPushButton("Start training")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        # The reading loop in one action: read the worklist, then fine-tune the active run.
        self.finetune_button = QPushButton("Fine-tune the active run on new readings")
        self.finetune_button.clicked.connect(self.finetune_active)
        self.finetune_button.setToolTip(
            "Train from the active run (the one the browser shows) with the fine-tuning "
            "defaults, on the project's readings (the phantoms that run learned from are left "
            "out): read the 'Model least sure' list, then press this."
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setFormat("idle")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.plot = PlotWidget(width_in=4.0, height_in=2.6)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_MAX_LINES)
        self.log_view.setPlaceholderText("Training log")
        layout = QVBoxLayout(self)
        layout.addWidget(form_box)
        layout.addWidget(self.device_label)
        layout.addWidget(self.estimate_label)
        layout.addLayout(buttons)
        layout.addWidget(self.finetune_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.plot, stretch=2)
        layout.addWidget(self.log_view, stretch=1)
        self._draw_curves()

    # -- control -----------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._process.is_running()

    @Slot()
    def start(self) -> None:
        """Train with the form's settings, from the Start-from choice."""
        args = self.form.arguments()
        init = self.start_from.currentData()
        if init:
            args += ["--init", str(init)]
        self._launch(args)

    @Slot()
    def finetune_active(self) -> None:
        """Fine-tune the active run (core.runs.active_run) with the fine-tuning defaults: only
        the form's choice of readings (submitted too or not) is passed on."""
        run_id = self._active_run_id()
        if run_id is None:
            self.status_label.setText("No run to fine-tune yet: train one first.")
            return
        args = ["--init", str(run_id)]
        if self.form.value("include_submitted"):
            args.append("--include-submitted")
        self._launch(args)

    def _active_run_id(self) -> int | None:
        from core.runs import active_run
        from core.store import Project

        with Project.open(self._project_url) as project:
            run = active_run(project)
        return None if run is None or not run.checkpoint_path else run.id

    def _launch(self, extra: list[str]) -> None:
        if self.is_running():
            return
        self._curves = {"train": [], "val": []}
        self._last_run_id = None
        self.log_view.clear()
        self.progress.setRange(0, 0)  # busy until the child reports its step count
        self.progress.setFormat("starting…")
        self.status_label.setText("Preparing data…")
        args = ["train", self._project_url, "--progress", "jsonl", *extra]
        self._append_log("$ sphericity " + " ".join(args))
        self._process.start(args)
        self._set_running(True)

    @Slot()
    def cancel(self) -> None:
        if self.is_running():
            self.status_label.setText("Cancelling: finishing the current batch and saving…")
            self._process.cancel()

    def cancel_and_wait(self, timeout_ms: int = 60_000) -> bool:
        """Used when the window closes during a run: cancel cleanly and wait for the save."""
        self.cancel()
        return self._process.wait(timeout_ms) if self.is_running() else True

    @Slot()
    def refresh_start_from(self) -> None:
        """Offer scratch, ImageNet weights and every run with a checkpoint (newest first)."""
        from core.store import Project

        chosen = self.start_from.currentData()
        self.start_from.clear()
        self.start_from.addItem("ImageNet weights (scratch where none are found)", None)
        self.start_from.addItem("scratch", "scratch")
        with Project.open(self._project_url) as project:
            runs = [r for r in project.runs() if r.checkpoint_path]
        for run in sorted(runs, key=lambda r: r.id, reverse=True):
            parent = (run.config or {}).get("parent_run_id")
            origin = f", from run {parent}" if parent is not None else ""
            self.start_from.addItem(f"run {run.id} ({run.status}{origin})", str(run.id))
        index = self.start_from.findData(chosen)
        self.start_from.setCurrentIndex(max(index, 0))

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.form.setEnabled(not running)
        self.start_from.setEnabled(not running)
        self.finetune_button.setEnabled(not running)
        self.runningChanged.emit(running)

    # -- events from the child -----------------------------------------------------------------

    @Slot(dict)
    def _on_event(self, event: dict) -> None:
        kind = event.get("event")
        handler = {
            "start": self._on_start,
            "batch": self._on_batch,
            "epoch": self._on_epoch,
            "val": self._on_epoch,
            "done": self._on_done,
            "cancelled": self._on_done,
            "error": self._on_error_event,
        }.get(kind)
        if handler is not None:
            handler(event)
        if kind in ("epoch", "val", "done", "cancelled", "error", "start"):
            self._append_log(_describe(event))

    def _on_start(self, event: dict) -> None:
        total = int(event.get("total_steps") or 0)
        self._epochs = max(int(event.get("epochs") or 1), 1)
        self.status_label.setText(
            f"Training on {event.get('n_train', '?')} images, validating on "
            f"{event.get('n_val', '?')}; {self._epochs} epoch(s)"
        )
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        device = event.get("device")
        if device:
            self.device_label.setText(f"Device: {device}")
        if event.get("weights_message"):
            self.status_label.setText(str(event["weights_message"]))
        for note in event.get("notes") or []:
            self._append_log(f"note: {note}")

    def _on_batch(self, event: dict) -> None:
        step = int(event.get("step") or 0)
        self.progress.setValue(step)
        eta = event.get("eta_s")
        rate = event.get("images_per_s")
        parts = [f"step {step}/{self.progress.maximum()}"]
        if rate:
            parts.append(f"{float(rate):.1f} images/s")
        if eta is not None:
            parts.append(f"ETA {_format_duration(float(eta))}")
        self.progress.setFormat("%p%  " + "  ·  ".join(parts))
        epoch_s = event.get("epoch_s_estimate")
        if epoch_s:
            self.estimate_label.setText(f"Time per epoch: about {_format_duration(epoch_s)}")
        if event.get("loss") is not None:
            # The x axis is in epochs: a batch sits at its fraction of the run, not on the
            # integer of its epoch (which stacked every batch of an epoch on one vertical line).
            total = max(int(event.get("total_steps") or 0), 1)
            x = float(event.get("epoch_progress", step * self._epochs / total))
            self._curves["train"].append((x, float(event["loss"])))
            self._draw_curves_throttled()

    def _on_epoch(self, event: dict) -> None:
        epoch = float(event.get("epoch", 0))
        if event.get("val_loss") is not None:
            self._curves["val"].append((epoch, float(event["val_loss"])))
        if event.get("epoch_s"):
            self.estimate_label.setText(f"Time per epoch: {_format_duration(event['epoch_s'])}")
        self._draw_curves()

    def _on_done(self, event: dict) -> None:
        self._last_run_id = event.get("run_id")
        word = "finished" if event.get("event") == "done" else "cancelled (checkpoint saved)"
        self.status_label.setText(f"Run {self._last_run_id or ''} {word}.")

    def _on_error_event(self, event: dict) -> None:
        self.status_label.setText(f"Training failed: {event.get('message', 'unknown error')}")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.status_label.setText("Training failed; see the log.")
        self._append_log(message)
        QMessageBox.warning(self, "Training failed", message)

    @Slot(int, bool)
    def _on_finished(self, exit_code: int, ok: bool) -> None:
        self._set_running(False)
        self.progress.setRange(0, max(self.progress.maximum(), 1))
        self.progress.setFormat("done" if ok else "stopped")
        self._draw_curves()
        self.refresh_start_from()
        self.runFinished.emit(self._last_run_id)

    @Slot(str)
    def _append_log(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    # -- curves --------------------------------------------------------------------------------

    def _draw_curves_throttled(self) -> None:
        now = time.monotonic()
        if now - self._last_draw >= 0.5:  # matplotlib redraws cost; twice a second is live enough
            self._draw_curves()

    def _draw_curves(self) -> None:
        self._last_draw = time.monotonic()
        ax = self.plot.figure.gca()
        ax.clear()
        for name, colour in (("train", "#4c72b0"), ("val", "#dd8452")):
            points = self._curves[name]
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(
                    xs,
                    ys,
                    label=f"{name} loss",
                    color=colour,
                    marker="." if name == "val" else None,
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title("Loss: SI regression + landmark heatmaps", fontsize="small")
        ax.set_yscale("log" if any(self._curves.values()) else "linear")
        if any(self._curves.values()):
            ax.legend(loc="upper right", fontsize="small")
        ax.grid(True, alpha=0.3)
        self.plot.draw_idle()

    def curves(self) -> dict[str, list[tuple[float, float]]]:
        return {k: list(v) for k, v in self._curves.items()}


def _format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _describe(event: dict) -> str:
    """One readable log line: numbers to four significant digits, durations as m:ss."""
    fields = ", ".join(
        f"{k.replace('_', ' ')} {_format_value(k, v)}"
        for k, v in event.items()
        if k != "event" and not isinstance(v, dict | list)
    )
    return f"[{event.get('event')}] {fields}"


def _format_value(key: str, value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if key.endswith("_s"):
        return _format_duration(float(value))
    return f"{value:.4g}" if isinstance(value, float) else str(value)
