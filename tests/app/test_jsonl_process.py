"""The child-process runner: JSON events, log tail, crash report, cooperative cancel."""

import sys
import textwrap

from app.jsonl_process import JsonLinesProcess

CHILD = textwrap.dedent(
    """
    import json, signal, sys, time
    stop = False
    def on_term(*_):
        global stop
        stop = True
    signal.signal(signal.SIGTERM, on_term)
    mode = sys.argv[1]
    print(json.dumps({"event": "start", "total_steps": 3}), flush=True)
    print("plain log line", flush=True)
    print("warning on stderr", file=sys.stderr, flush=True)
    if mode == "crash":
        sys.exit(3)
    if mode == "wait":
        while not stop:
            time.sleep(0.02)
        print(json.dumps({"event": "cancelled"}), flush=True)
        sys.exit(0)
    print(json.dumps({"event": "done", "loss": 0.5}), end="", flush=True)
    """
)


class Child:
    def __init__(self, tmp_path):
        self.script = tmp_path / "child.py"
        self.script.write_text(CHILD)
        self.runner = JsonLinesProcess()
        self.events, self.logs, self.failures = [], [], []
        self.runner.event.connect(self.events.append)
        self.runner.logLine.connect(self.logs.append)
        self.runner.failed.connect(self.failures.append)

    def start(self, mode):
        self.runner.start_program(sys.executable, [str(self.script), mode])


def test_events_and_log_lines(qtbot, tmp_path):
    child = Child(tmp_path)
    with qtbot.waitSignal(child.runner.finished, timeout=20_000) as blocker:
        child.start("ok")
    assert blocker.args == [0, True]
    assert [e["event"] for e in child.events] == ["start", "done"]  # last line had no newline
    assert "plain log line" in child.logs and "warning on stderr" in child.logs
    assert child.failures == []


def test_crash_reports_last_lines(qtbot, tmp_path):
    child = Child(tmp_path)
    with qtbot.waitSignal(child.runner.finished, timeout=20_000) as blocker:
        child.start("crash")
    assert blocker.args == [3, False]
    assert len(child.failures) == 1
    assert "code 3" in child.failures[0] and "warning on stderr" in child.failures[0]


def test_cancel_is_cooperative(qtbot, tmp_path):
    child = Child(tmp_path)
    child.start("wait")
    qtbot.waitUntil(lambda: any(e["event"] == "start" for e in child.events), timeout=20_000)
    with qtbot.waitSignal(child.runner.finished, timeout=20_000) as blocker:
        child.runner.cancel()
    assert blocker.args == [0, True]
    assert child.events[-1]["event"] == "cancelled"
    assert child.failures == []
    assert not child.runner.is_running()


SECRET_URL = "postgresql+psycopg://ann:s3cret-pw@db.example:5432/study"


def test_a_server_password_reaches_the_child_through_its_environment_not_its_command_line(
    qtbot, tmp_path
):
    script = tmp_path / "argv.py"
    script.write_text(
        "import json, os, sys\n"
        "print(json.dumps({'event': 'argv', 'argv': sys.argv[1:],\n"
        "    'resolved': os.environ.get(sys.argv[1].removeprefix('@env:'))}), flush=True)\n"
    )
    runner, events = JsonLinesProcess(), []
    runner.event.connect(events.append)
    with qtbot.waitSignal(runner.finished, timeout=20_000):
        runner.start_program(sys.executable, [str(script), SECRET_URL, "p.sphericity"])
    (event,) = events
    assert "s3cret-pw" not in " ".join(event["argv"])  # what `ps` would show
    assert event["argv"][1] == "p.sphericity"  # a plain path stays as it is
    assert event["resolved"] == SECRET_URL


def test_the_command_line_resolves_environment_arguments(tmp_path, monkeypatch, capsys):
    from app.cli.main import main
    from core.store import Project

    path = tmp_path / "p.sphericity"
    Project.create(path).close()
    monkeypatch.setenv("SPHERICITY_ARG_0", str(path))
    assert main(["info", "@env:SPHERICITY_ARG_0"]) == 0
    assert main(["info", "@env:NOT_SET_ANYWHERE"]) != 0  # left as typed: no such project
