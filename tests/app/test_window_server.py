"""The window on a PostgreSQL server: opened from the start dialog (remembered without its
password, identity from the login), and an edit made while the server is down kept and saved
once it is back."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url
from window_helpers import drag, make_project, open_window, place_reading

from app.cli import cmd_gui
from app.dialogs.start import StartDialog, remembered_location
from app.settings import AppSettings
from core.store import Project
from core.store.server_roles import add_user


@pytest.fixture
def server_project(pg_server, tmp_path):
    """(owner URL, annotator login URL with password, truths) of a one-frame project."""
    owner_url = pg_server.database_url("window")
    _, truths = make_project(owner_url, n_frames=1)
    with Project.open(owner_url) as project, project.transaction() as repo:
        add_user(repo.session.connection(), "win_ann", "annotator", "pw for win_ann")
    login = make_url(owner_url).set(username="win_ann", password="pw for win_ann")
    return owner_url, login.render_as_string(hide_password=False), truths


def test_start_dialog_opens_a_server_project_and_forgets_the_password(
    qtbot, server_project, monkeypatch
):
    _, login_url, _ = server_project
    settings = AppSettings()
    settings.set_annotator("typed name", "reviewer")  # on a server the login decides instead
    asked = []

    def answer(dialog, url):  # the user types the URL and the password into the server dialog
        asked.append(url)
        from app.dialogs.start import ServerDialog

        server = ServerDialog(url, dialog)
        server.url_edit.setText(remembered_location(login_url))
        server.password_edit.setText("pw for win_ann")
        monkeypatch.setattr(server, "exec", lambda: 1)
        return server

    monkeypatch.setattr(StartDialog, "server_dialog", answer)
    dialog = StartDialog(settings)
    qtbot.addWidget(dialog)
    dialog.server_button.click()
    assert dialog.choice == ("open", login_url)
    window = cmd_gui.open_window(*dialog.choice, settings)
    qtbot.addWidget(window)
    assert (window.identity.name, window.identity.role) == ("win_ann", "annotator")
    window.close()
    (recent,) = settings.recent_projects()
    assert make_url(recent).password is None and "pw for win_ann" not in recent
    assert make_url(recent).username == "win_ann"
    # Reopening from the recent list asks for the password again, the URL filled in.
    again = StartDialog(settings)
    qtbot.addWidget(again)
    again.recent_list.itemActivated.emit(again.recent_list.item(0))
    assert asked == ["", recent] and again.choice == ("open", login_url)


def test_an_edit_made_while_the_server_is_down_is_kept_and_lands_later(
    qtbot, server_project, pg_server
):
    owner_url, _, truths = server_project
    window = open_window(qtbot, owner_url)
    place_reading(window, truths[0])
    image_id, me = window.session.image.id, window.identity.annotator_id
    saved = window.project.reading(image_id, me)
    pg_server.stop()
    try:
        apex = window.session.doc.landmarks.apex
        drag(window, apex, (apex[0] - 4.0, apex[1] + 3.0))
        assert "Not saved yet" in window.last_message
        assert window.session.has_unsaved_edit()
        edited = window.session.doc.landmarks
        assert edited != saved.landmarks
    finally:
        pg_server.start()
    assert window.session.save()  # the retry (the next edit or closing the window does it)
    stored = window.project.reading(image_id, me)
    assert stored.landmarks == edited and stored.version == saved.version + 1
    assert not window.session.has_unsaved_edit()
