"""The README's model tables, written from the benchmarks' JSON (no figure typed by hand).

usage: python tests/benchmarks/figures_markdown.py [--draws DRAWS.json] [--shift SHIFT.json]
       [--worklist WORKLIST.json]
DRAWS.json is summarise_draws.py's output, SHIFT.json bench_shift.py's report, WORKLIST.json
bench_worklist.py's. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def _cell(values, digits: int) -> str:
    """'mean ± SD' (ddof 1) of the values given; the mean alone for one value, '–' for none."""
    values = [float(v) for v in values if v is not None]
    if not values:
        return "–"
    mean = float(np.mean(values))
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {float(np.std(values, ddof=1)):.{digits}f}"


# (summarise_draws.py's name, digits) of each column after the draw and its training minutes
DRAW_COLUMNS = (
    ("model_mse", 5),
    ("model_r2", 3),
    ("model_pearson_r", 3),
    ("model_icc", 3),
    ("landmark_error_mm_median", 2),
)


def draws_table(report: dict) -> str:
    rows = [
        "| draw | training (min) | model SI MSE | R² | r | ICC(2,1) | landmark error median (mm) "
        "| flagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    draws = report["draws"]
    for k, d in enumerate(draws):
        cells = [_cell([d.get(name)], digits) for name, digits in DRAW_COLUMNS]
        rows.append(
            f"| {d['file'].split('.')[0] or k} | {_cell([d.get('train_min')], 0)} | "
            + " | ".join(cells)
            + f" | {_cell([d.get('flagged')], 0)} |"
        )
    n = len(draws)
    mean = [_cell([d.get(name) for d in draws], digits) for name, digits in DRAW_COLUMNS]
    rows.append(
        f"| **mean ± SD ({n} draw{'s' if n != 1 else ''})** "
        f"| {_cell([d.get('train_min') for d in draws], 0)} | "
        + " | ".join(mean)
        + f" | {_cell([d.get('flagged') for d in draws], 1)} |"
    )
    return "\n".join(rows)


def shift_table(report: dict) -> str:
    rows = [
        "| step | replicates | SI RMSE | SI bias | landmark error median (mm) | CPU min each |",
        "|---|---|---|---|---|---|",
    ]

    def row(name: str, runs: list[dict], cpu_key: str | None = None) -> None:
        def col(key, digits):
            return _cell([r.get(key) for r in runs], digits)

        cpu = [(r.get(cpu_key) or {}).get("cpu_min") if cpu_key else r.get("cpu_min") for r in runs]
        rows.append(
            f"| {name} | {len(runs)} | {col('si_rmse', 4)} | {col('si_bias', 4)} "
            f"| {col('landmark_error_mm_median', 2)} | {_cell(cpu, 1)} |"
        )

    bases = report["bases"]
    row("base family, held-out (not shifted)", [b["base_family_test"] for b in bases])
    row("shifted family, zero-shot", [b["zero_shot"] for b in bases], "predict")
    row("after batch-norm adaptation (unread frames)", [b["adapted"] for b in bases], "adapt")
    ft = report.get("finetune", {})
    for n, runs in ft.get("curve", {}).items():
        if runs:
            row(f"fine-tuned on {n} readings ({ft.get('chosen_option', 'defaults')})", runs)
    for option, runs in ft.get("options", {}).items():
        if runs and option != ft.get("chosen_option", "defaults"):
            row(f"option `{option}` at n = {runs[0]['n']}", runs)
    return "\n".join(rows)


def auroc_table(report: dict) -> str:
    steps = [("zero-shot", [b["zero_shot"] for b in report["bases"]])]
    steps.append(("adapted", [b["adapted"] for b in report["bases"]]))
    curve = report.get("finetune", {}).get("curve", {})
    if curve.get("20"):
        steps.append(("fine-tuned, n = 20", curve["20"]))
    flags = sorted({f for _, runs in steps for r in runs for f in r.get("auroc", {})})
    head = "| flag (AUROC for errors > 0.05 SI) | " + " | ".join(name for name, _ in steps) + " |"
    rows = [head, "|---" * (len(steps) + 1) + "|"]
    n_test = report["scale"]["n_test"]
    big = " | ".join(
        f"{sum(r['big_errors'] for r in runs)} of {len(runs) * n_test}" for _, runs in steps
    )
    rows.append(f"| frames with an error > 0.05 | {big} |")
    for flag in flags:
        cells = [_cell([r["auroc"].get(flag) for r in runs], 2) for _, runs in steps]
        rows.append(f"| {flag.replace('_', ' ')} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def worklist_table(report: dict) -> str:
    """Both orders' learning curves, one row per round: mean ± SD over the replicates (zero
    readings: each replicate's zero-shot) and the same-replicate difference."""
    from bench_worklist import zero_shot_of

    curves = report["curves"]
    reps = [r for r in curves["worklist"] if r in curves["random"]]
    rounds = min(len(curves[o][r]) for o in curves for r in reps)

    def at(order: str, rep: str, k: int, key: str) -> float:
        return zero_shot_of(report, rep)[key] if k == 0 else curves[order][rep][k - 1][key]

    rows = [
        "| readings | SI RMSE, worklist order | SI RMSE, random order | worklist − random "
        "(same replicate) | landmark error (mm), worklist | landmark error (mm), random |",
        "|---|---|---|---|---|---|",
    ]
    for k in range(rounds + 1):
        n = 0 if k == 0 else curves["worklist"][reps[0]][k - 1]["readings"]
        si = {o: [at(o, r, k, "si_rmse") for r in reps] for o in ("worklist", "random")}
        lm = {o: [at(o, r, k, "landmark_error_mm_median") for r in reps] for o in si}
        diff = "–" if k == 0 else _cell(np.subtract(si["worklist"], si["random"]), 4)
        rows.append(
            f"| {n} | {_cell(si['worklist'], 4)} | {_cell(si['random'], 4)} | {diff} "
            f"| {_cell(lm['worklist'], 2)} | {_cell(lm['random'], 2)} |"
        )
    return "\n".join(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=Path)
    p.add_argument("--shift", type=Path)
    p.add_argument("--worklist", type=Path)
    args = p.parse_args(argv)
    if args.draws:
        print(draws_table(json.loads(args.draws.read_text())), end="\n\n")
    if args.shift:
        report = json.loads(args.shift.read_text())
        print(shift_table(report), end="\n\n")
        print(auroc_table(report), end="\n\n")
    if args.worklist:
        print(worklist_table(json.loads(args.worklist.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
