"""The model panels as docks of the window, each built the first time it is shown."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

# action id -> (dock title, module, class, argument the panel takes: "url" or "project")
PANELS: dict[str, tuple[str, str, str, str]] = {
    "panel.training": ("Training", "app.panels.training_panel", "TrainingPanel", "url"),
    "panel.runs": ("Runs", "app.panels.runs_panel", "RunsPanel", "project"),
    "panel.comparison": (
        "Model vs manual SI",
        "app.panels.comparison_panel",
        "ComparisonPanel",
        "project",
    ),
}


class PanelDocks:
    """Creates panels on demand (torch and plotting load only when used) and links them."""

    def __init__(
        self,
        window: QMainWindow,
        project,
        on_image: Callable[[int], None],
        on_model_run: Callable[[int | None], None],
        *,
        predict_runner=None,
        on_predict: Callable[[int], None] | None = None,
    ) -> None:
        self._window = window
        self._project = project
        self._on_image = on_image
        self._on_model_run = on_model_run
        self.docks: dict[str, QDockWidget] = {}
        self._predict_runner = predict_runner  # app.predict_runner.PredictAllRunner
        self._on_predict = on_predict

    def panel(self, action_id: str) -> QWidget | None:
        dock = self.docks.get(action_id)
        return dock.widget() if dock is not None else None

    def toggle(self, action_id: str, shown: bool) -> QDockWidget:
        dock = self.docks.get(action_id) or self._create(action_id)
        dock.setVisible(shown)
        if shown:
            dock.raise_()
        return dock

    def _create(self, action_id: str) -> QDockWidget:
        title, module_name, class_name, argument = PANELS[action_id]
        panel_class = getattr(importlib.import_module(module_name), class_name)
        panel = panel_class(self._project.url if argument == "url" else self._project)
        dock = QDockWidget(title, self._window)
        dock.setObjectName(action_id)
        dock.setWidget(panel)
        area = Qt.DockWidgetArea.BottomDockWidgetArea
        if action_id == "panel.training":
            area = Qt.DockWidgetArea.RightDockWidgetArea
        self._window.addDockWidget(area, dock)
        self.docks[action_id] = dock
        self._link(action_id, panel)
        return dock

    def _link(self, action_id: str, panel: QWidget) -> None:
        if action_id == "panel.training":
            panel.runFinished.connect(self._run_finished)
        elif action_id == "panel.runs":
            panel.activeRunChanged.connect(self._active_run)
            if self._predict_runner is not None:
                panel.attach_predict_runner(self._predict_runner)
            if self._on_predict is not None:
                panel.predictRequested.connect(self._on_predict)
        elif action_id == "panel.comparison":
            from core.runs import active_run_id

            panel.imageRequested.connect(self._on_image)
            panel.set_run(active_run_id(self._project))

    def _run_finished(self, _run_id) -> None:
        from core.runs import active_run_id

        runs = self.panel("panel.runs")
        if runs is not None:
            runs.refresh()
        self._on_model_run(active_run_id(self._project))  # a new run may now be the active one

    def _active_run(self, run_id) -> None:
        comparison = self.panel("panel.comparison")
        if comparison is not None:
            comparison.set_run(run_id)
        self._on_model_run(run_id)

    def predictions_changed(self, run_id: int) -> None:
        """A run's predictions were (re)stored: refresh the runs list and the comparison."""
        runs = self.panel("panel.runs")
        if runs is not None:
            runs.refresh()
        comparison = self.panel("panel.comparison")
        if comparison is not None:
            comparison.set_run(run_id)

    def close(self) -> bool:
        """Cancel a training or prediction run in progress; False if one would not stop."""
        stopped = True
        training = self.panel("panel.training")
        if training is not None and training.is_running():
            stopped = training.cancel_and_wait()
        if self._predict_runner is not None and self._predict_runner.is_running():
            stopped = self._predict_runner.cancel_and_wait() and stopped
        return stopped
