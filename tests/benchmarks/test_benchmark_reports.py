"""The benchmark reports' arithmetic: merging shift reports and the README's table cells."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from figures_markdown import _cell, shift_table
from shift_report import merge


def _run(rmse: float, seed: int, n: int = 20) -> dict:
    return {
        "si_rmse": rmse,
        "si_bias": -rmse / 2,
        "landmark_error_mm_median": 10 * rmse,
        "n": n,
        "seed": seed,
        "auroc": {"feature_distance": 0.5 + rmse},
    }


def _report(base: str, rmses: list[float], zero_shot: float, n_test: int = 150) -> dict:
    step = {"si_rmse": zero_shot, "si_bias": 0.0, "auroc": {}}
    return {
        "scale": {"name": "draws", "n_test": n_test, "n_pool": 300, "n_base": 1500, "epochs": 20},
        "machine": {"cpu": base},
        "command": f"bench_shift --base {base}",
        "bases": [
            {"base": {"name": base}, "zero_shot": step, "adapted": step, "base_family_test": step}
        ],
        "total_wall_min": 10.0,
        "finetune": {
            "chosen_option": "defaults",
            "curve": {"20": [_run(r, k) for k, r in enumerate(rmses)], "5": []},
            "options": {"replay": [_run(rmses[0] + 0.01, 0)]},
        },
    }


def test_merge_puts_bases_and_replicates_side_by_side_and_resummarises():
    a = _report("draw0", [0.05, 0.06, 0.07], zero_shot=0.08)
    b = _report("draw1", [0.04], zero_shot=0.06)
    merged = merge([a, b], ["a.json", "b.json"])

    assert merged["merged_from"] == ["a.json", "b.json"]
    assert [x["base"]["name"] for x in merged["bases"]] == ["draw0", "draw1"]
    assert [r["si_rmse"] for r in merged["finetune"]["curve"]["20"]] == [0.05, 0.06, 0.07, 0.04]
    assert len(merged["finetune"]["options"]["replay"]) == 2
    assert merged["zero_shot"]["si_rmse"]["mean"] == pytest.approx(0.07)
    assert merged["zero_shot"]["n"] == 2
    summary = merged["finetune"]["curve_summary"]["20"]
    assert summary["si_rmse"]["mean"] == pytest.approx(0.055)
    assert "5" not in merged["finetune"]["curve_summary"]  # no runs at n = 5: no summary
    assert merged["total_wall_min"] == 20.0
    # the README's table reads the merged report: 4 replicates at n = 20, 2 bases zero-shot
    table = shift_table(merged)
    assert "| fine-tuned on 20 readings (defaults) | 4 | 0.0550 ± 0.0129 |" in table
    assert "| shifted family, zero-shot | 2 | 0.0700 ± 0.0141 |" in table


def test_merge_refuses_reports_of_different_test_sets():
    with pytest.raises(ValueError, match="n_test"):
        merge([_report("a", [0.05], 0.08), _report("b", [0.05], 0.08, n_test=40)])


def test_cell_is_mean_and_sample_sd():
    assert _cell([1.0, 2.0, 3.0], 2) == "2.00 ± 1.00"
    assert _cell([0.5, None], 1) == "0.5"
    assert _cell([], 3) == "–"
