"""Runs a `sphericity` subcommand as a QProcess child and turns its JSON lines into signals.

Training and batch prediction run in a child so the window never freezes and a crash in torch
cannot take the annotations down. Every stdout line that parses as a JSON object is an event;
anything else (and all of stderr) is log text, of which the last lines are kept for error reports.
"""

from __future__ import annotations

import json
import os
import sys
from collections import deque

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal, Slot

TAIL_LINES = 40
# An argument of the form ENV_ARGUMENT + NAME is the value of the environment variable NAME
# (app.cli.main resolves it): how a server URL with its password reaches a child without
# showing in its command line, which any user of the machine can read (`ps`).
ENV_ARGUMENT = "@env:"


def sphericity_command(*args: str) -> tuple[str, list[str]]:
    """Program and arguments that run `sphericity ARGS` with this interpreter."""
    return sys.executable, ["-m", "app.cli.main", *args]


def hide_secrets(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """(args with every URL that holds a password replaced by an environment reference, the
    environment variables that carry those URLs)."""
    from core.store.engine import without_password

    shown, env = [], {}
    for arg in args:
        if "://" in arg and "@" in arg and _has_password(arg, without_password):
            name = f"SPHERICITY_ARG_{len(env)}"
            env[name] = arg
            arg = ENV_ARGUMENT + name
        shown.append(arg)
    return shown, env


def _has_password(arg: str, without_password) -> bool:
    try:
        return without_password(arg) != arg
    except Exception:  # not a URL SQLAlchemy reads: nothing to hide
        return False


class JsonLinesProcess(QObject):
    """One child process; emits `event(dict)` per JSON line and `finished(exit_code, ok)` once."""

    event = Signal(dict)
    logLine = Signal(str)
    finished = Signal(int, bool)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process = QProcess(self)
        self._process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self._process.readyReadStandardOutput.connect(self._read_stdout)
        self._process.readyReadStandardError.connect(self._read_stderr)
        self._process.finished.connect(self._on_finished)
        self._process.errorOccurred.connect(self._on_error)
        self._stdout_buffer = b""
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._cancel_requested = False
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._process.kill)

    def start(self, args: list[str]) -> None:
        """Start `sphericity ARGS` with this interpreter."""
        self.start_program(*sphericity_command(*args))

    def start_program(self, program: str, args: list[str]) -> None:
        """Start any program; the environment forces unbuffered output for live progress."""
        if self.is_running():
            raise RuntimeError("a process is already running")
        args, secrets = hide_secrets(args)
        env = QProcessEnvironment.systemEnvironment()
        for name, value in secrets.items():
            env.insert(name, value)
        env.insert("PYTHONUNBUFFERED", "1")
        env.insert("PYTHONPATH", os.pathsep.join(p for p in sys.path if p))
        self._process.setProcessEnvironment(env)
        self._stdout_buffer = b""
        self._tail.clear()
        self._cancel_requested = False
        self._process.start(program, args)

    def is_running(self) -> bool:
        return self._process.state() != QProcess.ProcessState.NotRunning

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested

    def cancel(self, *, kill_after_ms: int = 30_000) -> None:
        """Ask the child to finish its batch, save and stop (SIGTERM); kill it if it hangs."""
        if not self.is_running():
            return
        self._cancel_requested = True
        self._process.terminate()
        self._kill_timer.start(kill_after_ms)

    def wait(self, timeout_ms: int) -> bool:
        return self._process.waitForFinished(timeout_ms)

    def tail(self) -> list[str]:
        return list(self._tail)

    @Slot()
    def _read_stdout(self) -> None:
        self._stdout_buffer += bytes(self._process.readAllStandardOutput().data())
        *lines, self._stdout_buffer = self._stdout_buffer.split(b"\n")
        for raw in lines:
            self._handle_stdout_line(raw.decode("utf-8", "replace").rstrip("\r"))

    def _handle_stdout_line(self, line: str) -> None:
        if not line.strip():
            return
        try:
            payload = json.loads(line)
        except json.JSONDecodeError:
            payload = None
        if isinstance(payload, dict):
            self.event.emit(payload)
        else:
            self._remember(line)

    @Slot()
    def _read_stderr(self) -> None:
        text = bytes(self._process.readAllStandardError().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                self._remember(line)

    def _remember(self, line: str) -> None:
        self._tail.append(line)
        self.logLine.emit(line)

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, exit_code: int, status: QProcess.ExitStatus) -> None:
        self._kill_timer.stop()
        if self._stdout_buffer:
            self._handle_stdout_line(self._stdout_buffer.decode("utf-8", "replace"))
            self._stdout_buffer = b""
        crashed = status == QProcess.ExitStatus.CrashExit and not self._cancel_requested
        ok = exit_code == 0 and not crashed
        if not ok and not self._cancel_requested:
            last = "\n".join(self._tail) or "(no output)"
            how = "crashed" if crashed else f"exited with code {exit_code}"
            self.failed.emit(f"The process {how}. Last lines:\n{last}")
        self.finished.emit(exit_code, ok)

    @Slot(QProcess.ProcessError)
    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.failed.emit(f"Could not start the process: {self._process.errorString()}")
            self.finished.emit(-1, False)
