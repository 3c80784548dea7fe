"""The active run in the window: model SI beside the reading, Grad-CAM, model landmarks, suggest.

It holds the active run's predictions, drives the Grad-CAM runner (a worker thread) and the
predict-all runner (a child process), and tells the canvas, inspector and browser what to show.
"""

from __future__ import annotations

import functools

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QColor

from app.model_box import MODEL_LANDMARK_COLOUR, ModelBox
from app.predict_runner import PredictAllRunner
from core.geometry import Landmarks, spacing_or_unknown
from core.model_si import model_si, prediction_flags, run_si_kind


class ModelReview(QObject):
    """Everything the window shows about the active run for the current image."""

    ghostsChanged = Signal()  # the model landmarks to draw changed: the window redraws ghosts
    predictionsChanged = Signal(int)  # run id whose stored predictions changed
    message = Signal(str)

    def __init__(self, project, session, canvas, box: ModelBox, settings, parent=None) -> None:
        super().__init__(parent)
        self.project, self.session, self.canvas, self.box = project, session, canvas, box
        self.settings = settings
        self.run = None
        self.predictions: dict[int, dict] = {}
        self.cam_enabled = False
        self.show_landmarks = False
        self.cam_layer = settings.cam_layer()
        self.cam_opacity = settings.cam_opacity()
        self.cam_runner = None  # app.gradcam_runner.GradCamRunner, made on first use
        self.predict_runner = PredictAllRunner(project.url, self)
        self.predict_runner.finished.connect(self._prediction_finished)
        box.camToggled.connect(self.set_cam_enabled)
        box.camLayerChanged.connect(self.set_cam_layer)
        box.camOpacityChanged.connect(self.set_cam_opacity)
        box.landmarksToggled.connect(self.set_show_landmarks)
        box.suggestRequested.connect(self.suggest)
        box.thresholdChanged.connect(settings.set_model_si_threshold)

    # run -------------------------------------------------------------------------------------
    def set_run(self, run_id: int | None) -> None:
        """Follow this run (None: none); reloads its predictions."""
        self.run = self.project.run(run_id) if run_id is not None else None
        self.predictions = self.project.predictions(run_id) if run_id is not None else {}
        if self.run is None:
            self.box.set_run("Model: no run yet (Model → Training panel)")
        else:
            head = "landmark head" if run_si_kind(self.run) == "landmarks" else "regression head"
            self.box.set_run(f"Model: run {self.run.id} ({head})")
        self.refresh()

    def prediction(self) -> dict | None:
        image = self.session.image
        return self.predictions.get(image.id) if image is not None else None

    def model_si(self) -> float | None:
        return model_si(self.prediction(), run_si_kind(self.run))

    def predicted_landmarks(self) -> Landmarks | None:
        row = self.prediction()
        return Landmarks.from_dict(row["landmarks"]) if row and row.get("landmarks") else None

    @Slot()
    def refresh(self) -> None:
        """Re-show the numbers, model landmarks and overlay for the current image."""
        self.show_values()
        self.ghostsChanged.emit()
        self._update_cam()

    def show_values(self) -> None:
        image = self.session.image
        mine = self.session.reading.si if self.session.reading is not None else None
        reference = self.project.reference_si(image.id) if image is not None else None
        self.box.show_values(mine, reference, self.model_si())
        flags = prediction_flags(self.prediction())
        kind = run_si_kind(self.run)
        self.box.show_flags(flags, regression_si=kind == "landmarks" and bool(flags))

    # predicted landmarks ---------------------------------------------------------------------
    @Slot(bool)
    def set_show_landmarks(self, shown: bool) -> None:
        self.show_landmarks = bool(shown)
        self.box.set_landmarks_shown(self.show_landmarks)
        self.ghostsChanged.emit()

    def ghosts(self) -> list[tuple[str, QColor, Landmarks]]:
        """The model's landmarks as a labelled ghost ("model"), when shown and predicted."""
        landmarks = self.predicted_landmarks() if self.show_landmarks else None
        return [] if landmarks is None else [("model", QColor(MODEL_LANDMARK_COLOUR), landmarks)]

    # suggest ---------------------------------------------------------------------------------
    @Slot()
    def suggest(self) -> bool:
        """Fill a new draft reading from the active run's predicted landmarks."""
        landmarks = self.predicted_landmarks()
        if self.run is None or landmarks is None:
            self.message.emit("No prediction for this image: run Predict all with a run first.")
            return False
        if not self.session.suggest(self.run.id, landmarks):
            return False
        # Re-show the doc: it ends the placement an empty reading starts (or shows the doc to a
        # reviewer who was looking at others' readings).
        self.canvas.set_doc(self.session.doc, locked=self.session.locked)
        self.message.emit("Suggested points are dashed: drag to correct, Y confirms them")
        return True

    # predict all -----------------------------------------------------------------------------
    @Slot()
    def predict_all(self, run_id: int | None = None) -> bool:
        run_id = run_id if run_id is not None else (self.run.id if self.run else None)
        if run_id is None:
            self.message.emit("Train a model first: there is no run to predict with.")
            return False
        return self.predict_runner.start(run_id)

    @Slot(int, bool, str)
    def _prediction_finished(self, run_id: int, _ok: bool, message: str) -> None:
        self.message.emit(message)
        if self.run is not None and run_id == self.run.id:
            self.predictions = self.project.predictions(run_id)
            self.refresh()
        self.predictionsChanged.emit(run_id)  # partial predictions of a cancel count too

    # Grad-CAM --------------------------------------------------------------------------------
    @Slot(bool)
    def set_cam_enabled(self, enabled: bool) -> None:
        self.cam_enabled = bool(enabled)
        self.box.set_cam_shown(self.cam_enabled)
        self._update_cam()

    @Slot(str)
    def set_cam_layer(self, layer: str) -> None:
        self.cam_layer = layer
        self.settings.set_cam_layer(layer)
        self._update_cam()

    @Slot(float)
    def set_cam_opacity(self, opacity: float) -> None:
        self.cam_opacity = opacity
        self.settings.set_cam_opacity(opacity)
        self._update_cam()

    def cam_key(self) -> tuple[int, int, str] | None:
        image = self.session.image
        if not self.cam_enabled or self.run is None or image is None:
            return None
        return (self.run.id, image.id, self.cam_layer)

    def _update_cam(self) -> None:
        key = self.cam_key()
        if key is None:
            self.canvas.set_overlay(None, 0.0)
            self.box.set_cam_status("")
            return
        from core.runs import checkpoint_file, has_checkpoint

        if not has_checkpoint(self.project, self.run):
            self.canvas.set_overlay(None, 0.0)
            self.box.set_cam_status(f"Run {self.run.id} has no checkpoint file")
            return
        runner = self._runner()
        rgba = runner.cached(*key)
        if rgba is not None:
            self.canvas.set_overlay(rgba, self.cam_opacity)
            self.box.set_cam_status("")
            return
        self.canvas.set_overlay(None, 0.0)  # never show the last image's map on this one
        self.box.set_cam_status("Grad-CAM: computing…")
        from app.gradcam_runner import CamRequest

        image = self.session.image
        runner.request(
            CamRequest(
                key[0],
                functools.partial(checkpoint_file, self.project, self.run),
                key[1],
                key[2],
                self.canvas.pixels(),
                spacing_or_unknown(image.spacing),
            )
        )

    def _runner(self):
        if self.cam_runner is None:
            from app.gradcam_runner import GradCamRunner

            self.cam_runner = GradCamRunner(self)
            self.cam_runner.ready.connect(self._cam_ready)
            self.cam_runner.failed.connect(self._cam_failed)
        return self.cam_runner

    @Slot(int, int, str)
    def _cam_ready(self, run_id: int, image_id: int, layer: str) -> None:
        if self.cam_key() == (run_id, image_id, layer):
            self._update_cam()

    @Slot(str)
    def _cam_failed(self, message: str) -> None:
        self.box.set_cam_status("Grad-CAM failed (see the status bar)")
        self.message.emit(message)

    # closing ---------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the Grad-CAM thread and any prediction child (the window is closing)."""
        if self.cam_runner is not None:
            self.cam_runner.shutdown()
        if self.predict_runner.is_running():
            self.predict_runner.cancel_and_wait()
