"""Settings, shortcuts (remapping refuses clashes), the shortcuts dialog and the identity dialog."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from app.actions import ACTION_SPECS, ActionRegistry, effective_keys, find_clashes
from app.dialogs.identity import IdentityDialog
from app.dialogs.preferences import PreferencesDialog
from app.dialogs.shortcuts import ShortcutsDialog
from app.settings import MAX_RECENT, AppSettings


def test_recent_projects_most_recent_first_without_duplicates():
    settings = AppSettings()
    assert settings.last_project() is None
    for i in range(MAX_RECENT + 2):
        settings.add_recent_project(f"/p/{i}.sphericity")
    settings.add_recent_project("/p/3.sphericity")
    recent = AppSettings().recent_projects()  # a fresh instance reads what was stored
    assert recent[0] == "/p/3.sphericity"
    assert len(recent) == MAX_RECENT and len(set(recent)) == MAX_RECENT


def test_annotator_and_window_level_are_remembered():
    settings = AppSettings()
    assert settings.annotator() is None
    settings.set_annotator(" kim ", "reviewer")
    with pytest.raises(ValueError):
        settings.set_annotator("kim", "boss")
    settings.set_window_level("series/1", 410.0, 820.0)
    again = AppSettings()
    assert again.annotator() == ("kim", "reviewer")
    assert again.window_level("series/1") == (410.0, 820.0)
    assert again.window_level("series/2") is None


def test_every_default_shortcut_is_unique():
    keys = effective_keys({})
    assert find_clashes(keys) == {}
    assert len(keys) == len(ACTION_SPECS)


def test_clashes_are_found_whatever_the_spelling():
    keys = effective_keys({"view.fit": "ctrl+z"})
    assert find_clashes(keys) == {"Ctrl+Z": ["edit.undo", "view.fit"]}


def test_preferences_refuse_a_clash_and_keep_the_dialog_open(qtbot):
    dialog = PreferencesDialog(effective_keys({}))
    qtbot.addWidget(dialog)
    dialog.set_keys("view.fit", "Ctrl+Z")
    dialog.accept()
    assert dialog.result() != PreferencesDialog.DialogCode.Accepted
    assert "Undo" in dialog.error_label.text() and "Fit image" in dialog.error_label.text()
    dialog.set_keys("view.fit", "Shift+F")
    dialog.accept()
    assert dialog.result() == PreferencesDialog.DialogCode.Accepted
    assert dialog.overrides() == {"view.fit": "Shift+F"}


def test_registry_applies_remapped_shortcuts_and_refuses_clashes(qtbot):
    from PySide6.QtWidgets import QWidget

    host = QWidget()
    qtbot.addWidget(host)
    registry = ActionRegistry(host, {"view.fit": "Shift+F"})
    assert registry["view.fit"].shortcut() == QKeySequence("Shift+F")
    with pytest.raises(ValueError, match="clash"):
        registry.apply({"view.fit": "Ctrl+Z"})


def test_shortcuts_dialog_lists_every_action_with_its_keys(qtbot):
    keys = effective_keys({"view.fit": "Shift+F"})
    dialog = ShortcutsDialog(keys)
    qtbot.addWidget(dialog)
    rows = dict(dialog.rows())
    assert len(rows) == len(ACTION_SPECS)
    assert rows["Fit image"] == QKeySequence("Shift+F").toString(
        QKeySequence.SequenceFormat.NativeText
    )
    assert rows["Undo"] and rows["Next image needing my reading"]


def test_identity_dialog_needs_a_name_and_remembers_it(qtbot):
    settings = AppSettings()
    dialog = IdentityDialog(settings)
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    dialog.name_edit.setText("lee")
    dialog.role_box.setCurrentIndex(dialog.role_box.findData("clinician"))
    dialog.accept()
    assert AppSettings().annotator() == ("lee", "clinician")


def test_window_applies_and_remembers_remapped_shortcuts(qtbot, tmp_path):
    from window_helpers import make_project, open_window

    path, _ = make_project(tmp_path / "p.sphericity", n_frames=1)
    window = open_window(qtbot, path)
    window.apply_shortcuts({"view.fit": "Shift+F"})
    assert window.actions["view.fit"].shortcut() == QKeySequence("Shift+F")
    assert AppSettings().shortcut_overrides() == {"view.fit": "Shift+F"}
    window.close()
    again = open_window(qtbot, path)
    assert again.actions["view.fit"].shortcut() == QKeySequence("Shift+F")
