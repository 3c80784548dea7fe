"""bench_worklist's arithmetic: the learning curves' summary, the readings saved at equal error
and the paired (same seed) difference that decides whether a saving is shown."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from bench_worklist import merge, paired_difference, readings_at_equal_error, summarise


def _curve(rmses: list[float], k: int = 10) -> list[dict]:
    return [
        {"readings": k * (r + 1), "si_rmse": v, "landmark_error_mm_median": 100 * v}
        for r, v in enumerate(rmses)
    ]


def _report(
    worklist: list[list[float]], random: list[list[float]], zero_shot=0.08, base="draw0"
) -> dict:
    return {
        "scale": {"n_test": 150, "cines": 40, "frames": 10, "k": 10, "rounds": 2, "finetune": {}},
        "shift": {"family": "shifted"},
        "base": {"project": f"/figures/{base}.sphericity"},
        "zero_shot": {"si_rmse": zero_shot, "landmark_error_mm_median": 100 * zero_shot},
        "curves": {
            "worklist": {str(s): _curve(c) for s, c in enumerate(worklist)},
            "random": {str(s): _curve(c) for s, c in enumerate(random)},
        },
    }


def test_summary_starts_at_zero_shot_and_averages_seeds():
    report = _report(
        worklist=[[0.05, 0.030], [0.05, 0.029], [0.05, 0.031]],
        random=[[0.06, 0.039], [0.06, 0.040], [0.06, 0.041]],
    )
    s = summarise(report)
    assert s["random"]["readings"] == [0, 10, 20]
    assert s["random"]["si_rmse_mean"] == pytest.approx([0.08, 0.06, 0.04])
    assert s["random"]["si_rmse_sd"] == pytest.approx([0.0, 0.0, 0.001])
    assert s["worklist"]["landmark_error_mm_median_mean"] == pytest.approx([8.0, 5.0, 3.0])
    # Random reaches 0.04 with 20 readings; the worklist's mean curve crosses 0.04 halfway
    # between 10 (0.05) and 20 (0.03) readings: 15 readings, a quarter saved.
    eq = s["equal_error"]
    assert eq["target_si_rmse"] == pytest.approx(0.04)
    assert eq["random"] == pytest.approx(20)
    assert eq["worklist"] == pytest.approx(15)
    assert eq["saved_fraction"] == pytest.approx(0.25)
    # Every seed's worklist ended 0.009-0.011 below its random: a saving beyond the noise.
    final = s["final_paired"]
    assert final["n"] == 3
    assert final["mean"] == pytest.approx(-0.01)
    assert final["beyond_2se"] is True


def test_no_saving_when_random_never_beats_zero_shot():
    s = summarise(_report(worklist=[[0.07], [0.07]], random=[[0.09], [0.08]], zero_shot=0.08))
    assert s["equal_error"]["saved_fraction"] is None
    assert s["equal_error"]["worklist"] is None


def test_worklist_that_never_reaches_random_error_saves_nothing():
    summary = {
        "random": {"readings": [0, 10, 20], "si_rmse_mean": [0.08, 0.05, 0.04]},
        "worklist": {"readings": [0, 10, 20], "si_rmse_mean": [0.08, 0.06, 0.05]},
    }
    eq = readings_at_equal_error(summary)
    assert eq["worklist"] is None
    assert eq["random"] == pytest.approx(20)
    assert eq["saved_fraction"] is None


def test_paired_difference_within_noise_is_not_a_saving():
    got = paired_difference([0.01, -0.012, 0.003])
    assert got["beyond_2se"] is False
    assert got["mean"] == pytest.approx(0.000333, abs=1e-6)
    assert paired_difference([-0.01])["beyond_2se"] is False  # one seed shows nothing


def test_merge_keys_replicates_by_base_and_starts_each_from_its_own_zero_shot():
    a = _report(worklist=[[0.05, 0.03], [0.05, 0.03]], random=[[0.06, 0.04], [0.06, 0.04]])
    b = _report(worklist=[[0.07, 0.05]], random=[[0.08, 0.06]], zero_shot=0.10, base="draw1")
    b["curves"] = {o: {"1": c["0"]} for o, c in b["curves"].items()}  # draw 1 ran seed 1
    merged = merge([a, b], ["a.json", "b.json"])
    assert list(merged["curves"]["random"]) == ["draw0/0", "draw0/1", "draw1/1"]
    assert [x["name"] for x in merged["bases"]] == ["draw0", "draw1"]
    s = merged["summary"]
    assert s["random"]["seeds"] == 3
    # Zero readings: the mean of the replicates' own zero-shots (0.08, 0.08, 0.10).
    assert s["random"]["si_rmse_mean"][0] == pytest.approx(0.26 / 3)
    assert s["random"]["si_rmse_sd"][0] > 0
    assert s["worklist"]["si_rmse_mean"][1:] == pytest.approx([0.17 / 3, 0.11 / 3])
    assert s["final_paired"]["n"] == 3
    assert s["final_paired"]["mean"] == pytest.approx(-0.01)


def test_merge_refuses_reports_of_different_settings():
    a = _report(worklist=[[0.05]], random=[[0.06]])
    b = _report(worklist=[[0.05]], random=[[0.06]], base="draw1")
    b["scale"]["k"] = 5
    with pytest.raises(ValueError, match="k"):
        merge([a, b], ["a", "b"])
    b["scale"]["k"] = 10
    b["shift"] = {"family": "other"}
    with pytest.raises(ValueError, match="shifted famil"):
        merge([a, b], ["a", "b"])


def test_readme_table_rows_are_rounds_with_the_paired_difference():
    from figures_markdown import worklist_table

    a = _report(worklist=[[0.05, 0.030], [0.05, 0.029]], random=[[0.06, 0.039], [0.06, 0.041]])
    rows = worklist_table(a).splitlines()
    assert len(rows) == 2 + 3  # header, rule, 0, 10 and 20 readings
    assert rows[2].startswith("| 0 | 0.0800 ± 0.0000 | 0.0800 ± 0.0000 | – |")
    # 20 readings: worklist 0.0295 ± 0.0007, random 0.0400 ± 0.0014, differences -0.009, -0.012
    assert rows[4].startswith("| 20 | 0.0295 ± 0.0007 | 0.0400 ± 0.0014 | -0.0105 ± 0.0021 |")
