"""The window's keyboard actions: one catalogue of ids, labels and default keys, remappable."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class ActionSpec:
    id: str
    group: str
    text: str
    default_keys: str  # QKeySequence portable text; "" = no shortcut by default


ACTION_SPECS: tuple[ActionSpec, ...] = (
    ActionSpec("file.new", "File", "New project…", "Ctrl+N"),
    ActionSpec("file.open", "File", "Open project…", "Ctrl+O"),
    ActionSpec("file.import", "File", "Import images…", "Ctrl+I"),
    ActionSpec("file.import_folder", "File", "Import a folder…", "Ctrl+Shift+I"),
    ActionSpec("file.export", "File", "Export CSV…", "Ctrl+Shift+S"),
    ActionSpec("file.quit", "File", "Quit", "Ctrl+Q"),
    ActionSpec("edit.undo", "Edit", "Undo", "Ctrl+Z"),
    ActionSpec("edit.redo", "Edit", "Redo", "Ctrl+Shift+Z"),
    ActionSpec("edit.preferences", "Edit", "Preferences…", "Ctrl+,"),
    ActionSpec("nav.next", "Navigate", "Next image", "PgDown"),
    ActionSpec("nav.previous", "Navigate", "Previous image", "PgUp"),
    ActionSpec("nav.next_needing", "Navigate", "Next image needing my reading", "N"),
    ActionSpec("nav.next_frame", "Navigate", "Next frame of the cine", "."),
    ActionSpec("nav.previous_frame", "Navigate", "Previous frame of the cine", ","),
    ActionSpec("cine.play", "Navigate", "Play / pause the cine", "P"),
    ActionSpec("cine.set_ed", "Navigate", "Mark this frame ED", "Ctrl+E"),
    ActionSpec("cine.set_es", "Navigate", "Mark this frame ES", "Ctrl+Shift+E"),
    ActionSpec("reading.place", "Reading", "Place landmarks (apex → hinges → width)", "L"),
    ActionSpec("reading.cancel_step", "Reading", "Cancel the step in progress", "Esc"),
    ActionSpec("reading.contour", "Reading", "Contour mode", "C"),
    ActionSpec("reading.snap_mid", "Reading", "Snap the width to mid-length", "M"),
    ActionSpec("reading.confirm", "Reading", "Confirm suggested points", "Y"),
    ActionSpec("reading.submit", "Reading", "Submit my reading", "Ctrl+Return"),
    ActionSpec("reading.reopen", "Reading", "Reopen my reading", "Ctrl+Shift+R"),
    ActionSpec("review.approve", "Review", "Approve the selected reading", "Ctrl+Shift+A"),
    ActionSpec("review.reject", "Review", "Reject the selected reading", "Ctrl+Shift+X"),
    ActionSpec("review.ghosts", "Review", "Show other readers' landmarks", "G"),
    ActionSpec("view.zoom_in", "View", "Zoom in", "+"),
    ActionSpec("view.zoom_out", "View", "Zoom out", "-"),
    ActionSpec("view.fit", "View", "Fit image", "F"),
    ActionSpec("view.actual_size", "View", "Actual size (1:1)", "1"),
    ActionSpec("view.wl_auto", "View", "W/L preset: auto", "Ctrl+1"),
    ActionSpec("view.wl_contrast", "View", "W/L preset: high contrast", "Ctrl+2"),
    ActionSpec("view.wl_full", "View", "W/L preset: full range", "Ctrl+3"),
    ActionSpec("panel.training", "Model", "Training panel", "Ctrl+Alt+T"),
    ActionSpec("panel.runs", "Model", "Runs", "Ctrl+Alt+R"),
    ActionSpec("panel.comparison", "Model", "Model vs manual SI", "Ctrl+Alt+C"),
    ActionSpec(
        "model.predict_all", "Model", "Predict all images with the active run", "Ctrl+Alt+P"
    ),
    ActionSpec("model.gradcam", "Model", "Grad-CAM overlay", "H"),
    ActionSpec("model.landmarks", "Model", "Show the model's landmarks", "Shift+G"),
    ActionSpec("model.suggest", "Model", "Suggest landmarks from the model", "S"),
    ActionSpec("help.shortcuts", "Help", "Keyboard shortcuts", "F1"),
)

SPECS_BY_ID: dict[str, ActionSpec] = {spec.id: spec for spec in ACTION_SPECS}


def effective_keys(overrides: dict[str, str]) -> dict[str, str]:
    """Action id -> key sequence text after the user's remapping (unknown ids are ignored)."""
    keys = {spec.id: spec.default_keys for spec in ACTION_SPECS}
    keys.update({k: v for k, v in overrides.items() if k in keys})
    return keys


def normalized(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.PortableText)


def find_clashes(keys: dict[str, str]) -> dict[str, list[str]]:
    """Key sequence -> the action ids that share it (only sequences used more than once)."""
    users: dict[str, list[str]] = {}
    for action_id, text in keys.items():
        seq = normalized(text)
        if seq:
            users.setdefault(seq, []).append(action_id)
    return {seq: ids for seq, ids in users.items() if len(ids) > 1}


class ActionRegistry:
    """Creates one QAction per spec on a parent widget and applies (remapped) shortcuts."""

    def __init__(self, parent: QWidget, overrides: dict[str, str]) -> None:
        self._actions: dict[str, QAction] = {}
        for spec in ACTION_SPECS:
            action = QAction(spec.text, parent)
            action.setObjectName(spec.id)
            parent.addAction(action)  # shortcuts work even when the menu bar is hidden
            self._actions[spec.id] = action
        self.apply(overrides)

    def __getitem__(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def apply(self, overrides: dict[str, str]) -> None:
        keys = effective_keys(overrides)
        clashes = find_clashes(keys)
        if clashes:
            raise ValueError(f"shortcut clash: {clashes}")
        for action_id, text in keys.items():
            self._actions[action_id].setShortcut(QKeySequence(text))

    def keys(self) -> dict[str, str]:
        return {
            action_id: action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
            for action_id, action in self._actions.items()
        }
