"""The annotation window of a project: wires browser, canvas, cine, inspector, actions, runners."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.actions import ACTION_SPECS, ActionRegistry
from app.browser import BrowserPanel, ImageTableModel
from app.cine import CineBar
from app.docks import PANELS, PanelDocks
from app.frames import FrameSource
from app.inspector import InspectorPanel, reader_colour
from app.model_box import ModelBox
from app.model_review import ModelReview
from app.session import AnnotationSession, Identity
from app.settings import AppSettings
from app.statusbar import ProjectStatusBar

PREFETCH_NEIGHBOURS = 3  # frames ahead in the cine (and one behind)
EXPORT_PER_READING = "One row per reading (*.csv)"
EXPORT_PER_IMAGE = "One row per image, reference SI (*.csv)"


class MainWindow(QMainWindow):
    """One project open for one annotator. The window owns (and closes) the project."""

    projectRequested = Signal(str, str)  # "new" | "open" | "demo", path

    def __init__(self, project, identity: Identity, settings: AppSettings, *, prefetch=True):
        super().__init__()
        from app.canvas import ReadingCanvas  # the canvas pulls in the graphics stack

        self.project = project
        self.identity = identity
        self.settings = settings
        self.last_message = ""
        self.setWindowTitle(f"Sphericity Studio — {_project_name(project.url)}")
        self.frames = FrameSource(project, prefetch=prefetch)
        self.session = AnnotationSession(project, identity, self.frames)
        self.canvas = ReadingCanvas()
        self.cine = CineBar()
        self.inspector = InspectorPanel()
        self.inspector.set_role(identity.reviews)
        from core.runs import active_run_id

        model = ImageTableModel(project, identity.annotator_id, model_run=active_run_id(project))
        self.browser = BrowserPanel(model, reviews=identity.reviews)
        self.status = ProjectStatusBar()
        self.status.set_user(identity.name, identity.role)
        self.setStatusBar(self.status)
        self.actions = ActionRegistry(self, settings.shortcut_overrides())
        self.model_box = ModelBox(
            threshold=settings.model_si_threshold(),
            opacity=settings.cam_opacity(),
            layer=settings.cam_layer(),
            reviews=identity.reviews,
        )
        self.inspector.add_section(self.model_box)
        self.review = ModelReview(
            project, self.session, self.canvas, self.model_box, settings, self
        )
        self.docks = PanelDocks(
            self,
            project,
            self._show_requested_image,
            self.set_model_run,
            predict_runner=self.review.predict_runner,
            on_predict=self.review.predict_all,
        )
        self._layout_panels()
        self._build_menus()
        self._connect_panels()
        self._connect_actions()
        self._doc_unsubscribe = None
        self._shown_doc = (None, None)
        self._loading_image = False
        self._connect_model()

    # layout ----------------------------------------------------------------------------------
    def _layout_panels(self) -> None:
        centre = QWidget()
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.cine)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.browser)
        splitter.addWidget(centre)
        inspector = _scrollable(self.inspector)
        splitter.addWidget(inspector)
        splitter.setStretchFactor(1, 1)
        # The inspector keeps the width its sections need: a dock opened beside it (training)
        # takes its room from the canvas, never clips the inspector's numbers and buttons.
        inspector_px = max(350, self.inspector.minimumSizeHint().width() + 16)
        inspector.setMinimumWidth(inspector_px)
        splitter.setCollapsible(2, False)
        splitter.setSizes([520, 560, inspector_px])
        self.setCentralWidget(splitter)

    def _build_menus(self) -> None:
        groups: dict[str, list[str]] = {}
        for spec in ACTION_SPECS:
            groups.setdefault(spec.group, []).append(spec.id)
        for group, ids in groups.items():
            menu = self.menuBar().addMenu(f"&{group}")
            for action_id in ids:
                if action_id in ("file.quit", "edit.preferences"):
                    menu.addSeparator()
                menu.addAction(self.actions[action_id])
        self.actions["review.ghosts"].setCheckable(True)
        self.actions["review.ghosts"].setChecked(self.identity.reviews)
        self.actions["review.ghosts"].setEnabled(self.identity.reviews)
        self.actions["reading.contour"].setCheckable(True)
        for action_id in PANELS:
            self.actions[action_id].setCheckable(True)
        self.actions["cine.play"].setCheckable(False)
        if not self.identity.reviews:
            for action_id in ("review.approve", "review.reject"):
                self.actions[action_id].setEnabled(False)

    # wiring ----------------------------------------------------------------------------------
    def _connect_panels(self) -> None:
        s, c = self.session, self.canvas
        self.browser.imageActivated.connect(self.open_image)
        self.browser.model.modelReset.connect(self._after_browser_reset)
        s.imageChanged.connect(self._on_image_changed)
        s.readingChanged.connect(self._on_reading_changed)
        s.readingsChanged.connect(self._on_readings_changed)
        s.readingSaved.connect(self.browser.model.refresh_image)
        s.readingSaved.connect(lambda _id: self.status.showMessage("Saved", 1500))
        s.conflict.connect(self._on_conflict)
        s.problem.connect(self._on_problem)
        s.notice.connect(lambda text: self.status.showMessage(text, 6000))
        c.editRequested.connect(s.push_edit)
        c.dragFinished.connect(self.save_now)
        c.cursorMoved.connect(self.status.show_cursor)
        c.hintChanged.connect(self.status.show_hint)
        c.windowChanged.connect(self._on_window_changed)
        c.zoomChanged.connect(self.status.show_zoom)
        self.cine.frameSelected.connect(self._on_frame_selected)
        self.cine.markRequested.connect(self.mark_frame)
        self.inspector.submitRequested.connect(s.submit)
        self.inspector.reopenRequested.connect(s.reopen)
        self.inspector.reviewRequested.connect(s.review)
        self.inspector.noteEdited.connect(self._on_note_edited)
        s.undo_stack.canUndoChanged.connect(self.actions["edit.undo"].setEnabled)
        s.undo_stack.canRedoChanged.connect(self.actions["edit.redo"].setEnabled)

    def _connect_actions(self) -> None:
        a, c = self.actions, self.canvas
        handlers = {
            "file.new": lambda: self._ask_project("new"),
            "file.open": lambda: self._ask_project("open"),
            "file.import": self.import_files,
            "file.import_folder": self.import_folder,
            "file.export": self.export_csv,
            "file.quit": self.close,
            "edit.undo": self.session.undo,
            "edit.redo": self.session.redo,
            "edit.preferences": self.show_preferences,
            "nav.next": lambda: self.browser.step(1),
            "nav.previous": lambda: self.browser.step(-1),
            "nav.next_needing": self.next_needing_reading,
            "nav.next_frame": lambda: self.cine.step(1),
            "nav.previous_frame": lambda: self.cine.step(-1),
            "cine.play": self.cine.toggle_play,
            "cine.set_ed": lambda: self.mark_frame("ed"),
            "cine.set_es": lambda: self.mark_frame("es"),
            "reading.place": self.start_placement,
            "reading.cancel_step": c.cancel_step,
            "reading.contour": lambda: c.set_contour_mode(a["reading.contour"].isChecked()),
            "reading.snap_mid": c.snap_width_to_mid_length,
            "reading.confirm": c.confirm_suggestions,
            "reading.submit": self.session.submit,
            "reading.reopen": self.session.reopen,
            "review.approve": lambda: self.inspector.request_review("approved"),
            "review.reject": lambda: self.inspector.request_review("rejected"),
            "review.ghosts": self._update_ghosts,
            "view.zoom_in": lambda: c.zoom_by(1.25),
            "view.zoom_out": lambda: c.zoom_by(0.8),
            "view.fit": c.fit,
            "view.actual_size": c.actual_size,
            "view.wl_auto": lambda: c.set_window_preset("auto"),
            "view.wl_contrast": lambda: c.set_window_preset("contrast"),
            "view.wl_full": lambda: c.set_window_preset("full"),
            "help.shortcuts": self.show_shortcuts,
        }
        for action_id in PANELS:
            handlers[action_id] = lambda checked, i=action_id: self.show_panel(i, checked)
        for action_id, handler in handlers.items():
            a[action_id].triggered.connect(handler)
        a["edit.undo"].setEnabled(False)
        a["edit.redo"].setEnabled(False)

    def _connect_model(self) -> None:
        a, r = self.actions, self.review
        for action_id in ("model.gradcam", "model.landmarks"):
            a[action_id].setCheckable(True)
        a["model.gradcam"].toggled.connect(r.set_cam_enabled)
        self.model_box.camToggled.connect(a["model.gradcam"].setChecked)
        a["model.landmarks"].toggled.connect(r.set_show_landmarks)
        self.model_box.landmarksToggled.connect(a["model.landmarks"].setChecked)
        a["model.suggest"].triggered.connect(r.suggest)
        a["model.predict_all"].triggered.connect(lambda: r.predict_all())
        r.ghostsChanged.connect(self._update_ghosts)
        r.message.connect(lambda text: self.status.showMessage(text, 8000))
        r.predictionsChanged.connect(self._on_predictions_changed)
        if self.identity.reviews:  # annotators read blinded: no reference, so no difference
            self.model_box.thresholdChanged.connect(self.browser.model.set_model_threshold)
            self.browser.model.set_model_threshold(self.model_box.threshold())
        self.session.readingsChanged.connect(lambda _readings: r.show_values())
        r.set_run(self.browser.model.model_run())  # the browser already shows this run

    def set_model_run(self, run_id: int | None) -> None:
        """The active run changed: the browser's model SI column and the inspector follow it."""
        self.browser.model.set_model_run(run_id)
        self.review.set_run(run_id)

    def _on_predictions_changed(self, run_id: int) -> None:
        self.browser.model.refresh()
        self.docks.predictions_changed(run_id)

    # images ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Show the first image (call after the window is shown or sized)."""
        if not self.browser.select_row(0):
            self.status.show_hint("This project has no images yet: File → Import.")

    def open_image(self, image_id: int) -> None:
        if self.session.image is not None and self.session.image.id == image_id:
            return
        self.save_now()
        self.session.open_image(image_id)

    def _on_image_changed(self, info, pixels) -> None:
        window = self.settings.window_level(info.series_key) or info.window
        self._loading_image = True  # the canvas reports this window: not a user choice
        try:
            self.canvas.set_image(pixels, info.spacing, window)
        finally:
            self._loading_image = False
        self.inspector.set_image(info, self.browser.model.series_label(info))
        self.status.set_spacing(info.spacing)
        self.cine.show_series(self.project, info)
        self._prefetch_around(info.id)
        self.review.refresh()

    def _prefetch_around(self, image_id: int) -> None:
        ids = self.cine.frame_ids()
        row = self.browser.model.row_of(image_id)
        near: list[int] = []
        if image_id in ids:
            i = ids.index(image_id)
            near += ids[i + 1 : i + 1 + PREFETCH_NEIGHBOURS] + ids[max(i - 1, 0) : i]
        if row is not None:
            for r in (row + 1, row - 1, row + 2):
                info = self.browser.model.image_at(r)
                if info is not None:
                    near.append(info.id)
        self.frames.prefetch([i for i in dict.fromkeys(near) if i != image_id])

    def _show_requested_image(self, image_id: int) -> None:
        if not self.browser.select_image(image_id):
            self.open_image(image_id)

    def _on_frame_selected(self, image_id: int) -> None:
        if not self.browser.select_image(image_id):
            self.open_image(image_id)  # filtered out of the browser: show it anyway

    def _after_browser_reset(self) -> None:
        if self.session.image is not None:
            self.browser.select_image(self.session.image.id, quietly=True)

    def next_needing_reading(self) -> None:
        from core.browse import next_needing_reading

        if self.browser.model.filter_kind() == "worklist":  # the worklist is the order to read
            self.browser.step(1)
            return
        current = self.session.image.id if self.session.image is not None else None
        target = next_needing_reading(self.project, self.identity.annotator_id, current)
        if target is None:
            self.status.showMessage("Every image has your reading.", 3000)
            return
        if not self.browser.select_image(target):
            self.open_image(target)

    def mark_frame(self, which: str) -> None:
        from core.browse import mark_frame

        image = self.session.image
        if image is None:
            return
        self.session.image = mark_frame(self.project, image.id, which)
        self.cine.refresh_flags(self.project)
        self.inspector.set_image(self.session.image, self.browser.model.series_label(image))
        self.browser.model.refresh_image(image.id)

    # reading ---------------------------------------------------------------------------------
    def save_now(self) -> None:
        self.session.save()

    def _on_reading_changed(self, reading) -> None:
        doc, locked = self.session.doc, self.session.locked
        if self._shown_doc[0] is not doc:
            if self._doc_unsubscribe is not None:
                self._doc_unsubscribe()
            self._doc_unsubscribe = doc.subscribe(self._on_doc_changed) if doc else None
            self.canvas.set_doc(None if self._review_only() else doc, locked=locked)
            self.inspector.show_doc(doc)
        elif self._shown_doc[1] != locked:
            self.canvas.set_locked(locked)
        self._shown_doc = (doc, locked)
        self.inspector.show_reading(reading, locked=locked)

    def _review_only(self) -> bool:
        # A reviewer opening others' readings is not asked to place landmarks (L starts it).
        return (
            self.identity.reviews
            and self.session.reading is None
            and bool(self.session.other_readings())
        )

    def start_placement(self) -> None:
        if self.canvas.doc() is None and self.session.doc is not None:
            self.canvas.set_doc(self.session.doc, locked=self.session.locked)
        self.canvas.start_placement()

    def _on_doc_changed(self) -> None:
        self.inspector.show_doc(self.session.doc)

    def _on_readings_changed(self, readings: list) -> None:
        if self.identity.reviews:
            self.inspector.show_readers(readings, self.identity.annotator_id)
        self._update_ghosts()

    def _update_ghosts(self) -> None:
        show = self.identity.reviews and self.actions["review.ghosts"].isChecked()
        others = self.session.other_readings() if show else []
        self.canvas.set_ghosts(
            [(r.annotator_name, reader_colour(i), r.landmarks) for i, r in enumerate(others)]
            + self.review.ghosts()
        )

    def _on_note_edited(self, note: str) -> None:
        self.session.save(note=note)

    def _on_conflict(self, message: str) -> None:
        self._tell("Reading changed elsewhere", message, QMessageBox.Icon.Warning)

    def _on_problem(self, message: str) -> None:
        self._tell("Sphericity Studio", message, QMessageBox.Icon.Information)

    def _tell(self, title: str, message: str, icon) -> None:
        # Window-modal and non-blocking: the event loop (and tests) keep running.
        self.last_message = message
        self.status.showMessage(message, 8000)
        box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()

    # window / level --------------------------------------------------------------------------
    def _on_window_changed(self, center: float, width: float) -> None:
        self.status.show_window(center, width)
        if self.session.image is not None and not self._loading_image:
            self.settings.set_window_level(self.session.image.series_key, center, width)

    # dialogs and runners ---------------------------------------------------------------------
    def show_shortcuts(self) -> None:
        from app.dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self.actions.keys(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_preferences(self) -> None:
        from app.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.actions.keys(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_shortcuts(dialog.overrides()))
        dialog.open()

    def apply_shortcuts(self, overrides: dict[str, str]) -> None:
        self.actions.apply(overrides)
        self.settings.set_shortcut_overrides(overrides)

    def import_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import images or DICOM files")
        if paths:
            self.run_import(paths)

    def import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import every image in a folder")
        if folder:
            self.run_import([folder])

    def run_import(self, paths: list[str]):
        from app.dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.project.url, paths, self)
        dialog.imported.connect(lambda _report: self.browser.model.refresh())
        dialog.open()
        dialog.start()
        return dialog

    def export_csv(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export CSV", "", f"{EXPORT_PER_READING};;{EXPORT_PER_IMAGE}"
        )
        if path:
            self.export_to(path, per="image" if chosen == EXPORT_PER_IMAGE else "reading")

    def export_to(self, path: str, *, per: str = "reading"):
        from core.export import export_csv

        summary = export_csv(self.project, path, per=per)
        self.status.showMessage(f"Exported {summary.rows} rows to {summary.path}", 6000)
        return summary

    def _ask_project(self, action: str) -> None:
        from app.dialogs.start import PROJECT_FILTER

        if action == "new":
            path, _ = QFileDialog.getSaveFileName(self, "New project", "", PROJECT_FILTER)
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if path:
            self.projectRequested.emit(action, path)

    def show_panel(self, action_id: str, shown: bool = True):
        """Show or hide a model panel's dock (built the first time)."""
        first = action_id not in self.docks.docks
        dock = self.docks.toggle(action_id, shown)
        if first:  # closing the dock with its own button unchecks the menu entry
            dock.visibilityChanged.connect(self.actions[action_id].setChecked)
        self.actions[action_id].setChecked(shown)
        return dock

    # closing ---------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save, stop background work and close the project (idempotent)."""
        if self.project is None:
            return
        self.cine.stop()
        self.review.shutdown()
        self.docks.close()
        self.session.save()
        self.frames.close()
        self.settings.sync()
        self.project.close()
        self.project = None


def _scrollable(panel: QWidget) -> QScrollArea:
    # The inspector's sections may outgrow a small screen: scroll rather than grow the window.
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def _project_name(url: str) -> str:
    from core.store.engine import shown_url, sqlite_file

    db_file = sqlite_file(url)
    return db_file.name if db_file is not None else shown_url(url)
