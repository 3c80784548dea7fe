"""The window and its model docks never import torch on the GUI thread (start-up would freeze)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import core

SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication
    from app.main_window import MainWindow
    from app.session import Identity
    from app.settings import AppSettings
    from core.store import Project
    from window_helpers import make_project

    app = QApplication([])
    path, _ = make_project(__import__("pathlib").Path(sys.argv[1]), n_frames=2)
    project = Project.open(path)
    me = project.ensure_annotator("rita", "clinician")
    window = MainWindow(project, Identity(me, "rita", "clinician"), AppSettings())
    window.show()
    for action_id in ("panel.training", "panel.runs", "panel.comparison"):
        window.actions[action_id].trigger()
    app.processEvents()
    loaded = sorted(m for m in ("torch", "torchvision", "model.network") if m in sys.modules)
    window.shutdown()
    print("LOADED", loaded)
    """
)


@pytest.mark.slow  # a child process opening the window
def test_window_and_model_docks_leave_torch_unloaded(tmp_path):
    here = Path(__file__).parent
    root = Path(core.__file__).resolve().parents[1]
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        SPHERICITY_HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=os.pathsep.join([str(root), str(here)]),
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "p.sphericity")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED []" in done.stdout, done.stdout
