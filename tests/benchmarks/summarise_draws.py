"""Mean ± SD over phantom draws of `sphericity evaluate --json` figures (and training minutes).

usage: python tests/benchmarks/summarise_draws.py EVAL.json... [--train SECONDS_FILE...]
Prints one JSON object: per draw and the mean and SD (ddof 1) of each headline figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

FIGURES = {
    "model_mse": ("model", "mse"),
    "model_r2": ("model", "r2"),
    "model_pearson_r": ("model", "pearson_r"),
    "model_icc": ("model", "icc_2_1"),
    "regression_mse": ("regression", "mse"),
    "landmarks_mse": ("landmarks", "mse"),
    "landmark_error_mm_median": ("landmark_error_mm_median",),
    "flagged": ("flagged",),
    "n_images": ("n_images",),
}


def figure(metrics: dict, path: tuple) -> float | None:
    value = metrics
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return None if value is None else float(value)


def train_minutes(seconds_file: Path) -> float | None:
    """Wall minutes of a training, from the seconds figures.sh wrote beside it."""
    try:
        return float(seconds_file.read_text().strip()) / 60
    except (OSError, ValueError):
        return None


def summarise(evals: list[Path], trains: list[Path]) -> dict:
    draws = []
    for k, path in enumerate(evals):
        metrics = json.loads(path.read_text())
        row = {"file": path.name, **{n: figure(metrics, p) for n, p in FIGURES.items()}}
        if k < len(trains):
            row["train_min"] = train_minutes(trains[k])
        draws.append(row)
    summary = {}
    for name in [*FIGURES, "train_min"]:
        values = [d[name] for d in draws if d.get(name) is not None]
        if values:
            sd = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
            summary[name] = {"mean": float(np.mean(values)), "sd": sd, "n": len(values)}
    return {"draws": draws, "mean_sd": summary}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("evals", nargs="+", type=Path)
    p.add_argument("--train", nargs="*", type=Path, default=[])
    args = p.parse_args(argv)
    json.dump(summarise(args.evals, args.train), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
