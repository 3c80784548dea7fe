"""Progress for programs (JSON lines) and people; SIGTERM asks the loop to stop, not the process."""

import io
import json
import math
import os
import signal

from model.progress import CancelFlag, human_reporter, json_safe, jsonl_reporter


def test_jsonl_lines_are_strict_json():
    out = io.StringIO()
    report = jsonl_reporter(out)
    report({"event": "val", "val_mse_landmarks": math.nan, "history": [{"x": math.inf}]})
    report({"event": "done", "run_id": 1})
    lines = out.getvalue().splitlines()
    first = json.loads(lines[0], parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert first["val_mse_landmarks"] is None and first["history"] == [{"x": None}]
    assert json.loads(lines[1])["event"] == "done"


def test_human_progress_copes_with_a_run_without_validation_images():
    out = io.StringIO()
    human_reporter(out)({"event": "val", "epoch": 1, "step": 2, "total_steps": 2, "loss": 1.5})
    assert "epoch 1" in out.getvalue() and "n/a" in out.getvalue()


def test_sigterm_sets_the_cancel_flag_and_handlers_are_restored():
    before = signal.getsignal(signal.SIGTERM)
    with CancelFlag() as flag:
        assert not flag.is_set()
        os.kill(os.getpid(), signal.SIGTERM)
        assert flag.is_set()
    assert signal.getsignal(signal.SIGTERM) == before


def test_json_safe_turns_non_finite_numbers_into_null_at_any_depth():
    value = {"a": [1.0, math.nan, (math.inf, -math.inf)], "b": {"c": 2, "d": "x"}}
    assert json_safe(value) == {"a": [1.0, None, [None, None]], "b": {"c": 2, "d": "x"}}
    json.dumps(json_safe(value), allow_nan=False)  # strict JSON now
