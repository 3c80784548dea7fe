"""The shift benchmark's figures: flag AUROC, mean ± SD over replicates, and its plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def auroc(scores, positives) -> float | None:
    """Area under the ROC curve of scores for positives (Mann-Whitney U); None with one class."""
    scores, positives = np.asarray(scores, float), np.asarray(positives, bool)
    ok = np.isfinite(scores)
    scores, positives = scores[ok], positives[ok]
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Ties share their mean rank.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first, counts, strict=True):
        ranks[order[start : start + count]] = start + (count + 1) / 2
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def summarise(runs: list[dict]) -> dict:
    """Mean and SD over replicates of the headline figures and of each flag's AUROC."""
    out: dict = {"n": len(runs)}
    for key in (
        "si_rmse",
        "si_rmse_regression",
        "si_rmse_landmarks",
        "si_bias",
        "landmark_error_mm_median",
        "flagged",
        "big_errors",
        "cpu_min",
        "wall_min",
    ):
        values = [r[key] for r in runs if r.get(key) is not None]
        if values:
            out[key] = _mean_sd(values)
    flags = {name for r in runs for name in r.get("auroc", {})}
    out["auroc"] = {
        name: _mean_sd([r["auroc"][name] for r in runs if r["auroc"].get(name) is not None])
        for name in sorted(flags)
    }
    return out


def merge(reports: list[dict], names: list[str] | None = None) -> dict:
    """One report from several bench_shift reports of the same scale (e.g. base runs measured
    in different sessions): their bases and fine-tunes side by side, summaries recomputed."""
    if not reports:
        raise ValueError("nothing to merge")
    first = reports[0]
    for r in reports[1:]:
        for key in ("n_test", "n_pool"):
            if r["scale"].get(key) != first["scale"].get(key):
                raise ValueError(f"reports differ in {key}: cannot merge")
        if r["finetune"].get("chosen_option") != first["finetune"].get("chosen_option"):
            raise ValueError("reports fine-tuned with different chosen options")
    merged: dict = {
        "scale": first["scale"],
        "shift": first.get("shift"),
        "merged_from": names or [r.get("command", "") for r in reports],
        "machine": [r.get("machine") for r in reports],
        "command": [r.get("command") for r in reports],
        "bases": [b for r in reports for b in r["bases"]],
        "total_wall_min": round(sum(r.get("total_wall_min") or 0 for r in reports), 1),
    }
    ft: dict = {"chosen_option": first["finetune"].get("chosen_option", "defaults")}
    for part in ("curve", "options"):
        keys = dict.fromkeys(k for r in reports for k in r["finetune"].get(part, {}))
        ft[part] = {k: [x for r in reports for x in r["finetune"][part].get(k, [])] for k in keys}
    merged["finetune"] = ft
    return add_summaries(merged)


def add_summaries(report: dict) -> dict:
    """The report with the mean ± SD of each step over its bases and of each fine-tuning n
    and option over its replicates (recomputed from the runs it holds)."""
    for step in ("base_family_test", "zero_shot", "adapted"):
        report[step] = summarise([b[step] for b in report["bases"]])
    ft = report.get("finetune")
    if ft:
        ft["options_summary"] = {o: summarise(runs) for o, runs in ft["options"].items()}
        ft["curve_summary"] = {n: summarise(runs) for n, runs in ft["curve"].items() if runs}
    return report


def _mean_sd(values) -> dict:
    values = np.asarray(values, float)
    if len(values) == 0:
        return {"mean": None, "sd": None}
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return {"mean": float(np.mean(values)), "sd": sd}


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    curve = {n: runs for n, runs in report["finetune"]["curve"].items() if runs}
    summary = {n: summarise(runs) for n, runs in curve.items()}
    ns = [int(n) for n in curve]
    for ax, key, label in (
        (axes[0], "si_rmse", "SI RMSE (model SI)"),
        (axes[1], "landmark_error_mm_median", "landmark error, median (mm)"),
    ):
        for n in ns:
            ys = [r[key] for r in curve[str(n)]]
            ax.scatter([n] * len(ys), ys, color="#4c72b0", alpha=0.4, s=12)
        means = [summary[str(n)][key]["mean"] for n in ns]
        sds = [summary[str(n)][key]["sd"] for n in ns]
        ax.errorbar(
            ns,
            means,
            yerr=sds,
            color="#4c72b0",
            marker="o",
            capsize=3,
            label=f"fine-tuned ({report['finetune']['chosen_option']}), mean ± SD",
        )
        for step, color, ls, name in (
            ("zero_shot", "#c44e52", "--", "zero-shot"),
            ("adapted", "#dd8452", ":", "batch norm adapted"),
        ):
            level = _level(report[step], key)
            ax.axhline(level["mean"], color=color, ls=ls, label=f"{name}, mean ± SD")
            ax.axhspan(
                level["mean"] - level["sd"], level["mean"] + level["sd"], color=color, alpha=0.1
            )
        if key == "si_rmse":
            ax.axhline(0.03, color="grey", lw=0.8, label="goal 0.03")
        ax.set_xscale("log")
        ax.minorticks_off()  # the log axis' minor labels ("3 x 10^1") overlap the readings
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.set_xlabel("readings of the shifted family")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small")
    s = report["scale"]
    replicates = len(report.get("bases", [])) or 1
    fig.suptitle(
        f"Shifted phantom family, {s['name']} scale: base {s['n_base']} phantoms, "
        f"{s['epochs']} epochs, {replicates} base run(s); test {s['n_test']} frames",
        fontsize="small",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _level(step: dict, key: str) -> dict:
    """A step's figure as mean and SD: a summary (several bases) or one run's value."""
    value = step[key]
    return value if isinstance(value, dict) else {"mean": value, "sd": 0.0}
