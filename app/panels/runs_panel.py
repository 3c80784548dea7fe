"""The runs list: date, data size, metrics, device, duration; pick the active run; delete a run."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.model_si import run_si_kind
from core.runs import DeletedRun, active_run_id, delete_run, set_active_run

COLUMNS = (
    "Run",
    "From",
    "Date",
    "Status",
    "Images",
    "Model SI",
    "Val SI MSE",
    "Test R²",
    "Landmark error",
    "Device",
    "Duration",
)


class RunsPanel(QWidget):
    """Table of the project's runs; emits `activeRunChanged(run_id or None)`.

    "Predict all" asks the window (`predictRequested(run id)`) to predict every image with the
    selected run (else the active one); `attach_predict_runner` shows that child's progress here.
    """

    activeRunChanged = Signal(object)
    predictRequested = Signal(int)

    def __init__(self, project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project = project
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.activate_button = QPushButton("Use this run")
        self.delete_button = QPushButton("Delete run…")
        self.predict_button = QPushButton("Predict all")
        self.predict_button.setToolTip("Predict the SI of every image with the selected run")
        self.predict_cancel_button = QPushButton("Cancel prediction")
        self.predict_cancel_button.setEnabled(False)
        self.predict_progress = QProgressBar()
        self.predict_progress.setFormat("no prediction running")
        self.predict_progress.setValue(0)
        self.activate_button.clicked.connect(self._activate_selected)
        self.delete_button.clicked.connect(self._delete_selected)
        self.predict_button.clicked.connect(self._predict_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.activate_button)
        buttons.addWidget(self.delete_button)
        buttons.addSpacing(16)
        buttons.addWidget(self.predict_button)
        buttons.addWidget(self.predict_progress, 1)
        buttons.addWidget(self.predict_cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.refresh()

    def attach_predict_runner(self, runner) -> None:
        """Follow an app.predict_runner.PredictAllRunner: progress bar and cancel button."""
        self.predict_cancel_button.clicked.connect(runner.cancel)
        runner.runningChanged.connect(self._prediction_running)
        runner.progress.connect(self._prediction_progress)
        runner.finished.connect(self._prediction_finished)
        self._prediction_running(runner.is_running())

    @Slot(bool)
    def _prediction_running(self, running: bool) -> None:
        self.predict_button.setEnabled(not running)
        self.predict_cancel_button.setEnabled(running)
        if running:
            self.predict_progress.setRange(0, 0)  # busy until the first batch says how many
            self.predict_progress.setFormat("starting…")

    @Slot(int, int)
    def _prediction_progress(self, done: int, total: int) -> None:
        self.predict_progress.setRange(0, max(total, 1))
        self.predict_progress.setValue(done)
        self.predict_progress.setFormat(f"{done} / {total} images")

    @Slot(int, bool, str)
    def _prediction_finished(self, _run_id: int, ok: bool, message: str) -> None:
        self.predict_progress.setRange(0, 1)
        self.predict_progress.setValue(1 if ok else 0)
        self.predict_progress.setFormat("done" if ok else "stopped")
        self.predict_progress.setToolTip(message)
        self.refresh()

    @Slot()
    def _predict_selected(self) -> None:
        run_id = self.selected_run_id() or active_run_id(self._project)
        if run_id is not None:
            self.predictRequested.emit(int(run_id))

    @Slot()
    def refresh(self) -> None:
        runs = sorted(self._project.runs(), key=lambda r: r.id, reverse=True)
        active = active_run_id(self._project)
        self.table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            for col, text in enumerate(_run_cells(run, active)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, run.id)
                if run.id == active:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, col, item)

    def selected_run_id(self) -> int | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def set_active(self, run_id: int | None) -> None:
        set_active_run(self._project, run_id)
        self.refresh()
        self.activeRunChanged.emit(run_id)

    @Slot()
    def _activate_selected(self) -> None:
        run_id = self.selected_run_id()
        if run_id is not None:
            self.set_active(run_id)

    @Slot()
    def _delete_selected(self) -> None:
        run_id = self.selected_run_id()
        if run_id is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete run",
            f"Delete run {run_id}, its predictions and its checkpoint files?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        deleted = self.delete_run(run_id)
        if deleted.kept:
            kept = "\n".join(str(p) for p in deleted.kept)
            QMessageBox.information(
                self,
                "Run deleted",
                f"Run {run_id} was deleted. These files lie outside the project's runs folder "
                f"and were left alone:\n{kept}",
            )

    def delete_run(self, run_id: int) -> DeletedRun:
        """Remove the run (core.runs.delete_run: row, predictions, files inside the project's
        runs folder, the remembered choice); the active run falls back."""
        deleted = delete_run(self._project, run_id)
        self.refresh()
        self.activeRunChanged.emit(active_run_id(self._project))
        return deleted


def _run_cells(run, active: int | None) -> list[str]:
    metrics = run.metrics or {}
    kind = run_si_kind(run) or "regression"
    # The model SI as predictions give it (its estimate, the regression head where flagged).
    test = (metrics.get("evaluation") or {}).get("test", {}).get("model", {})
    snapshot = run.data_snapshot or {}
    landmark_mm = metrics.get("val_landmark_error_mm_median")
    return [
        f"{run.id}{'  (active)' if run.id == active else ''}",
        _lineage(run),
        run.created_at.strftime("%Y-%m-%d %H:%M") if run.created_at else "",
        run.status or "",
        str(snapshot.get("n_images", "")),
        kind,
        _fmt(metrics.get(f"val_mse_{kind}"), ".5f"),
        _fmt(test.get("r2")),
        f"{landmark_mm:.1f} mm" if isinstance(landmark_mm, int | float) else "",
        run.device or "",
        f"{run.duration_s / 60:.1f} min" if run.duration_s else "",
    ]


def _lineage(run) -> str:
    """ "run 3", "run 3, adapted (120 frames)", or "" for a run that started afresh."""
    config = getattr(run, "config", None) or {}
    parent = config.get("parent_run_id")
    adapted = config.get("adapted_to")
    text = f"run {parent}" if parent is not None else ""
    if adapted:
        text += f"{', ' if text else ''}adapted ({adapted.get('n_images', '?')} frames)"
    return text


def _fmt(value, spec: str = ".3f") -> str:
    return format(value, spec) if isinstance(value, int | float) else ""
