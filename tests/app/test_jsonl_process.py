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


def _run(qtbot, tmp_path, mode):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    runner = JsonLinesProcess()
    events, logs, failures = [], [], []
    runner.event.connect(events.append)
    runner.logLine.connect(logs.append)
    runner.failed.connect(failures.append)
    return runner, events, logs, failures, script


def test_events_and_log_lines(qtbot, tmp_path):
    runner, events, logs, failures, script = _run(qtbot, tmp_path, "ok")
    with qtbot.waitSignal(runner.finished, timeout=20_000) as blocker:
        runner.start_program(sys.executable, [str(script), "ok"])
    assert blocker.args == [0, True]
    assert [e["event"] for e in events] == ["start", "done"]  # last line had no newline
    assert "plain log line" in logs and "warning on stderr" in logs
    assert failures == []


def test_crash_reports_last_lines(qtbot, tmp_path):
    runner, events, logs, failures, script = _run(qtbot, tmp_path, "crash")
    with qtbot.waitSignal(runner.finished, timeout=20_000) as blocker:
        runner.start_program(sys.executable, [str(script), "crash"])
    assert blocker.args == [3, False]
    assert len(failures) == 1
    assert "code 3" in failures[0] and "warning on stderr" in failures[0]


def test_cancel_is_cooperative(qtbot, tmp_path):
    runner, events, logs, failures, script = _run(qtbot, tmp_path, "wait")
    runner.start_program(sys.executable, [str(script), "wait"])
    qtbot.waitUntil(lambda: any(e["event"] == "start" for e in events), timeout=20_000)
    with qtbot.waitSignal(runner.finished, timeout=20_000) as blocker:
        runner.cancel()
    assert blocker.args == [0, True]
    assert events[-1]["event"] == "cancelled"
    assert failures == []
    assert not runner.is_running()
