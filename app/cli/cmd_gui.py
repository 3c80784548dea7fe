"""`sphericity gui [PROJECT] [--screenshot PNG]`: open a project in the annotation window."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SCREENSHOT_SIZE = (1440, 900)
ROLE_CHOICES = ("annotator", "reviewer", "clinician")  # app.settings.ROLES, without importing Qt


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project", nargs="?", help="project file or database URL (default: the last project)"
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="render the window offscreen at 1440x900 after the project loaded, save, exit",
    )
    parser.add_argument("--annotator", help="read as this annotator (default: the remembered one)")
    parser.add_argument("--role", choices=ROLE_CHOICES, help="role of --annotator")
    parser.add_argument("--image", type=int, metavar="ID", help="show this image first")


def run(name: str, args) -> int:
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.settings import AppSettings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Sphericity Studio")
    apply_style(app)
    settings = AppSettings()
    choice = _initial_choice(args, settings)
    if choice is None:
        return 0
    try:
        window = open_window(*choice, settings, annotator=args.annotator, role=args.role)
    except Exception as exc:  # a project that cannot open: say why instead of a traceback
        if args.screenshot:
            print(f"sphericity gui: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "Sphericity Studio", str(exc))
        return 1
    if window is None:
        return 0
    if args.screenshot:
        path = save_screenshot(window, args.screenshot, image_id=args.image)
        print(f"screenshot written to {path}")
        window.close()
        return 0
    window.show()
    window.start()
    if args.image is not None:
        window.browser.select_image(args.image)
    return app.exec()


def _initial_choice(args, settings) -> tuple[str, str] | None:
    if args.project:
        return ("open", args.project)
    last = settings.last_project()
    if last and (("://" in last) or Path(last).exists()):
        return ("open", last)
    if args.screenshot:
        raise SystemExit("sphericity gui --screenshot needs a PROJECT")
    from app.dialogs.start import StartDialog

    dialog = StartDialog(settings)
    return dialog.choice if dialog.exec() else None


def open_project(action: str, path: str):
    """Project for a start-dialog choice: create a new one, open one, or the demo project."""
    from core.store import Project

    if action == "new":
        return Project.create(path), path
    if action == "demo":
        from core.paths import demo_project_path

        demo = demo_project_path()
        if not demo.exists():
            _create_demo(demo)
        return Project.open(str(demo)), str(demo)
    return Project.open(path), path


def _create_demo(path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.cli.cmd_demo import create_demo  # the demo command's own recipe

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # a few seconds of phantoms
    try:
        create_demo(path)
    finally:
        QApplication.restoreOverrideCursor()


def open_window(action: str, path: str, settings, *, annotator=None, role=None):
    """Open (or create) a project and return its MainWindow; None when the user cancelled."""
    from app.dialogs.start import is_server_location, remembered_location
    from app.main_window import MainWindow
    from app.session import Identity

    # On a server, who reads is the database login (asked after connecting); elsewhere the
    # name typed once (asked first, so a cancelled dialog creates no project file).
    identity_choice = None
    if not is_server_location(path):
        identity_choice = _identity(settings, annotator, role)
        if identity_choice is None:
            return None
    project, path = open_project(action, path)
    try:
        name, chosen_role = identity_choice or _login_identity(project)
        annotator_id = project.ensure_annotator(name, chosen_role)
        window = MainWindow(project, Identity(annotator_id, name, chosen_role), settings)
    except Exception:
        project.close()
        raise
    settings.add_recent_project(remembered_location(path))  # a server URL without its password
    window.projectRequested.connect(lambda a, p: _switch_project(window, a, p, settings))
    return window


def _login_identity(project) -> tuple[str, str]:
    from core.store.server_roles import project_identity

    server = project_identity(project)
    if server is None:  # a sqlite:// URL: no logins
        raise ValueError("this project has no database logins; open it by its file")
    return server.name, server.role


def _switch_project(old, action: str, path: str, settings) -> None:
    from PySide6.QtWidgets import QMessageBox

    try:
        window = open_window(action, path, settings)
    except Exception as exc:
        QMessageBox.warning(old, "Sphericity Studio", str(exc))
        return
    if window is not None:
        window.show()
        window.start()
        old.close()


def _identity(settings, annotator: str | None, role: str | None) -> tuple[str, str] | None:
    if annotator:  # this session only: the remembered identity stays the dialog's choice
        return (annotator, role or "annotator")
    remembered = settings.annotator()
    if remembered is not None:
        return remembered
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return ("screenshot", role or "annotator")
    from app.dialogs.identity import IdentityDialog

    dialog = IdentityDialog(settings)
    return dialog.identity() if dialog.exec() else None


def apply_style(app) -> None:
    """The application's style sheet (resources/style.qss) on top of the Fusion style."""
    app.setStyle("Fusion")
    qss = Path(__file__).resolve().parents[2] / "resources" / "style.qss"
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))


def save_screenshot(window, path: str, *, image_id: int | None = None) -> Path:
    """Render the window at 1440x900 with its first (or the given) image and save a PNG."""
    from PySide6.QtWidgets import QApplication

    window.resize(*SCREENSHOT_SIZE)
    window.show()
    window.start()
    if image_id is not None:
        window.browser.select_image(image_id)
    for _ in range(3):  # layout, first paint, the canvas's fit after its real size is known
        QApplication.processEvents()
    window.canvas.fit()
    QApplication.processEvents()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        raise OSError(f"could not write {out}")
    return out
