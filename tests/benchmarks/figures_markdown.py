"""The README's model tables, written from the benchmarks' JSON (no figure typed by hand).

usage: python tests/benchmarks/figures_markdown.py [--draws DRAWS.json] [--shift SHIFT.json]
DRAWS.json is summarise_draws.py's output, SHIFT.json bench_shift.py's report. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shift_report import summarise


def _ms(entry: dict | None, digits: int, scale: float = 1.0) -> str:
    """'mean ± SD' of a {"mean", "sd"} entry (the SD left out when there is one value)."""
    if not entry or entry.get("mean") is None:
        return "–"
    mean = entry["mean"] * scale
    if entry.get("n", 2) < 2:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {entry['sd'] * scale:.{digits}f}"


def draws_table(report: dict) -> str:
    rows = [
        "| draw | training (min) | model SI MSE | R² | r | ICC(2,1) | landmark error median (mm) "
        "| flagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k, d in enumerate(report["draws"]):

        def one(name, digits, d=d):
            value = d.get(name)
            return "–" if value is None else f"{value:.{digits}f}"

        rows.append(
            f"| {d['file'].split('.')[0] or k} | {one('train_min', 0)} | {one('model_mse', 5)} "
            f"| {one('model_r2', 3)} | {one('model_pearson_r', 3)} | {one('model_icc', 3)} "
            f"| {one('landmark_error_mm_median', 2)} | {one('flagged', 0)} |"
        )
    s = report["mean_sd"]
    n = s.get("model_mse", {}).get("n", len(report["draws"]))
    rows.append(
        f"| **mean ± SD ({n} draw{'s' if n != 1 else ''})** | {_ms(s.get('train_min'), 0)} "
        f"| {_ms(s.get('model_mse'), 5)} | {_ms(s.get('model_r2'), 3)} "
        f"| {_ms(s.get('model_pearson_r'), 3)} | {_ms(s.get('model_icc'), 3)} "
        f"| {_ms(s.get('landmark_error_mm_median'), 2)} | {_ms(s.get('flagged'), 1)} |"
    )
    return "\n".join(rows)


def _with_n(summary: dict) -> dict:
    """shift_report.summarise's entries with the replicate count each needs for _ms."""
    n = summary.get("n", 2)
    return {
        k: {**v, "n": n} if isinstance(v, dict) and "mean" in v else v for k, v in summary.items()
    }


def shift_table(report: dict) -> str:
    rows = [
        "| step | replicates | SI RMSE | SI bias | landmark error median (mm) | CPU min each |",
        "|---|---|---|---|---|---|",
    ]

    def row(name: str, runs: list[dict], cpu_key: str | None = None) -> None:
        s = _with_n(summarise(runs))
        cpu = s.get("cpu_min")
        if cpu_key:
            cpu_values = [r[cpu_key]["cpu_min"] for r in runs if r.get(cpu_key)]
            cpu = _with_n(summarise([{"cpu_min": v} for v in cpu_values])).get("cpu_min")
        rows.append(
            f"| {name} | {s['n']} | {_ms(s.get('si_rmse'), 4)} | {_ms(s.get('si_bias'), 4)} "
            f"| {_ms(s.get('landmark_error_mm_median'), 2)} | {_ms(cpu, 1)} |"
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
        cells = []
        for _, runs in steps:
            values = [r["auroc"].get(flag) for r in runs if r["auroc"].get(flag) is not None]
            s = _with_n(summarise([{"auroc": {flag: v}} for v in values]))
            entry = s["auroc"].get(flag)
            cells.append(_ms({**entry, "n": len(values)} if entry else None, 2))
        rows.append(f"| {flag.replace('_', ' ')} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=Path)
    p.add_argument("--shift", type=Path)
    args = p.parse_args(argv)
    if args.draws:
        print(draws_table(json.loads(args.draws.read_text())), end="\n\n")
    if args.shift:
        report = json.loads(args.shift.read_text())
        print(shift_table(report), end="\n\n")
        print(auroc_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
