"""Benchmark: does reading in worklist order save readings, against reading in random order?

Usage: python tests/benchmarks/bench_worklist.py [--scale micro|reduced|default] [--seeds 0,1,2]
       [--base PROJECT] [--device auto|cpu|cuda] [--work DIR] [--out PREFIX] [--plot-only JSON]
       python tests/benchmarks/bench_worklist.py --merge A.json,B.json --out PREFIX

Plays the annotator with phantom truth. A base run trains on the base phantom family
(tests/benchmarks/bench_shift.py's base_run); the project then receives a pool of unread cines
of the shifted family (a new scanner; each cine one series and one subject, ED marked). Each
round reads K frames, chosen by the worklist (core.worklist over the last run's stored
predictions) or at random, saves their truth as approved readings, fine-tunes the last run on
every reading so far (`train --init`, the fine-tuning defaults) and evaluates on held-out ED
frames of the shifted family. Learning curves (SI RMSE against readings, both orders, several
seeds) go to PREFIX.json and PREFIX.png, with the readings saved at equal error, and the time
scoring takes (prediction, acquisition score and ranking) per frame. `--merge` joins the reports
of runs on different base runs (e.g. the three draws, base i with seed i) into one.

Scales: `default` is the product's setting (33 minutes for one base and 3 seeds on a quiet 2-core
CPU, given a trained base: --base); `micro` fits in about 25 CPU minutes and shows the mechanism
only: its figures are never the product's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_shift import (
    DEVICE,
    TEST_SEED,
    Clock,
    base_run,
    evaluate_on,
    existing_base,
    machine,
    merge_command,
    phantoms,
    plain,
)

from core.store import Project

SCALES = {
    "default": {"n_base": 1500, "epochs": 20, "n_test": 150, "cines": 40, "frames": 10, "k": 10},
    "reduced": {"n_base": 300, "epochs": 6, "n_test": 40, "cines": 16, "frames": 8, "k": 5},
    # What a busy 2-core CPU finishes in about 25 CPU minutes: the mechanism, not a figure.
    "micro": {"n_base": 80, "epochs": 3, "n_test": 16, "cines": 8, "frames": 5, "k": 4},
    # Checks that the script runs end to end (a few minutes); its figures mean nothing.
    "smoke": {"n_base": 24, "epochs": 1, "n_test": 4, "cines": 3, "frames": 3, "k": 2},
}
ROUNDS = {"default": 5, "reduced": 4, "micro": 2, "smoke": 1}
# Fine-tuning at micro scale is cut to 2 epochs of 3 steps (the defaults' 6 x 6 would not fit).
FINETUNE = {
    "default": {},
    "reduced": {},
    "micro": {"epochs": 2, "epoch_steps": 3},
    "smoke": {"epochs": 1, "epoch_steps": 1},
}
POOL_SEED = 300_000  # shifted cines, far from bench_shift's test and pool seeds
ORDERS = ("worklist", "random")


# -- the pool: unread cines of the shifted family ------------------------------------------------


def _cine(args):
    seed, n_frames = args
    from core.geometry import GeometryError
    from core.phantom.generate import generate_cine

    try:
        cine = generate_cine(seed, n_frames=n_frames, family="shifted")
    except GeometryError:
        return None
    return seed, cine.ed_index, [(f.pixels, f.spacing, f.landmarks) for f in cine.frames]


def pool_cines(n_cines: int, n_frames: int) -> list:
    """(seed, ED index, frames) of n shifted-family cines."""
    with Pool(2) as pool:
        got = pool.map(_cine, [(POOL_SEED + k, n_frames) for k in range(n_cines + 3)])
    return [c for c in got if c is not None][:n_cines]


def add_pool(project, cines) -> dict[int, object]:
    """The cines as unread series (source "real": the project's own frames); image id -> truth."""
    truth = {}
    with project.transaction() as repo:
        for seed, ed, frames in cines:
            series = repo.add_series(f"cine-{seed}", subject_key=f"subject-{seed}")
            for k, (pixels, spacing, lm) in enumerate(frames):
                image_id, _ = repo.add_image(
                    series, pixels, frame_index=k, spacing=spacing, is_ed=k == ed
                )
                truth[image_id] = lm
    return truth


def read(project, chosen: list[int], truth) -> None:
    """Save the phantom truth of the chosen images as approved readings (training split)."""
    with project.transaction() as repo:
        reader = repo.ensure_annotator("phantom", role="reviewer")
        for image_id in chosen:
            repo.save_reading(image_id, reader, truth[image_id], status="approved")
    project.set_split(dict.fromkeys(chosen, "train"))


def copy_with_runs(base: Path, dest: Path) -> Path:
    """A copy of a SQLite project with its runs folder (checkpoints are stored relative to it)."""
    import shutil

    from core.paths import runs_dir_for
    from core.store.engine import to_url

    shutil.copy(base, dest)
    runs = runs_dir_for(to_url(base))
    shutil.copytree(runs, runs_dir_for(to_url(dest)), dirs_exist_ok=True)
    return dest


def base_checkpoint(base: Path) -> Path:
    from core.runs import checkpoint_file

    with Project.open(base) as project:
        return checkpoint_file(project, project.runs()[-1])


# -- choosing what to read -------------------------------------------------------------------------


def choose_worklist(project, run, unread: list[int], k: int) -> tuple[list[int], dict]:
    """Predict the unread frames with the run (stored with their acquisition) and take the
    worklist's first k; returns them and the scoring time."""
    from core.runs import checkpoint_file
    from core.worklist import worklist
    from model.infer import Predictor
    from model.predict import predict_project

    predictor = Predictor.from_checkpoint(checkpoint_file(project, run), device=DEVICE["name"])
    t0 = time.perf_counter()
    predict_project(project, run, predictor, image_ids=unread)
    t1 = time.perf_counter()
    picks = worklist(project, run.id, n=k).picks
    t2 = time.perf_counter()
    timing = {"frames": len(unread), "predict_s": t1 - t0, "worklist_s": t2 - t1}
    return [p.image_id for p in picks], timing


def play(base: Path, work: Path, cines, test, seed: int, order: str, scale: dict, log) -> list:
    """Rounds of read K, fine-tune the last run, evaluate; one learning curve."""
    from dataclasses import replace

    from core.runs import checkpoint_file
    from model.config import TrainConfig
    from model.train import train

    rng = np.random.default_rng(seed)
    curve = []
    path = copy_with_runs(base, work / f"wl-{order}-{seed}.sphericity")
    with Project.open(path) as project:
        truth = add_pool(project, cines)
        run = project.runs()[-1]
        done: list[int] = []
        for r in range(scale["rounds"]):
            unread = [i for i in truth if i not in done]
            timing = None
            if order == "worklist":
                chosen, timing = choose_worklist(project, run, unread, scale["k"])
            else:
                chosen = sorted(int(i) for i in rng.choice(unread, scale["k"], replace=False))
            read(project, chosen, truth)
            done += chosen
            config = TrainConfig(init=str(run.id), seed=seed, device=DEVICE["name"])
            config = config.with_finetune_defaults()
            with Clock() as clock:
                result = train(replace(config, **scale["finetune"]), project)
            run = project.run(result.run_id)
            figures = evaluate_on(checkpoint_file(project, run), test)
            figures.pop("auroc", None)
            curve.append(
                {"readings": len(done), "chosen": chosen, "scoring": timing, **clock.figures()}
                | figures
            )
            log(f"{order} seed {seed} round {r + 1}: RMSE {figures['si_rmse']:.4f}")
    return curve


# -- measuring -------------------------------------------------------------------------------------


def core_timing(n: int = 10_000) -> dict:
    """Seconds for the acquisition score and the ranking of n frames (pure core, no model)."""
    from core.acquisition import acquisition
    from core.worklist import Candidate, rank

    rng = np.random.default_rng(0)
    rows = [
        {
            "si_regression": float(rng.uniform(0.4, 0.8)),
            "si_landmarks": float(rng.uniform(0.4, 0.8)),
            "confidence": {
                **{p: float(rng.uniform(0.05, 1)) for p in ("apex", "hinge_a", "hinge_b")},
                "centre_shift_mm": float(rng.exponential(1)),
                "axis_turn_deg": float(rng.exponential(1)),
                "feature_distance": float(rng.uniform(50, 200)),
            },
        }
        for _ in range(n)
    ]
    t0 = time.perf_counter()
    scores = [acquisition(row, 150.0)["score"] for row in rows]
    t1 = time.perf_counter()
    frames = 30  # 10,000 frames as cines of 30, 3 cines a subject
    cands = [
        Candidate(i, i // frames, f"s{i // (3 * frames)}", i % frames, i % frames == 0, s, "")
        for i, s in enumerate(scores)
    ]
    rank(cands)
    t2 = time.perf_counter()
    return {"frames": n, "acquisition_s": t1 - t0, "rank_all_s": t2 - t1}


def readings_at_equal_error(summary: dict) -> dict:
    """Readings each order needs to reach the error random reaches with all its readings,
    by linear interpolation of the mean curves (zero readings: the zero-shot error)."""
    target = summary["random"]["si_rmse_mean"][-1]
    out = {"target_si_rmse": target}
    if target >= summary["random"]["si_rmse_mean"][0]:
        # Random reading never beat zero-shot: there is no error level to reach, no saving.
        return out | dict.fromkeys(ORDERS) | {"saved_fraction": None}
    for order in ORDERS:
        points = list(zip(summary[order]["readings"], summary[order]["si_rmse_mean"], strict=True))
        out[order] = None  # never reached
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            if y0 <= target:
                out[order] = x0
                break
            if y1 <= target:
                out[order] = x0 + (x1 - x0) * (y0 - target) / (y0 - y1)
                break
    wl, rd = out["worklist"], out["random"]
    out["saved_fraction"] = None if wl is None or not rd else round(1 - wl / rd, 3)
    return out


CURVE_KEYS = ("si_rmse", "landmark_error_mm_median")


def zero_shot_of(report: dict, replicate: str) -> dict:
    """The zero-shot figures a replicate's curve starts from: its own base run's (a merged
    report holds several bases) or the report's one base run's."""
    return report.get("zero_shots", {}).get(replicate) or report["zero_shot"]


def summarise(report: dict) -> dict:
    """Mean and SD over replicates of each order's curve (zero readings: each replicate's
    base run zero-shot), the readings saved at equal error and the paired (same replicate)
    differences."""
    summary: dict = {}
    for order in ORDERS:
        curves = report["curves"][order]
        if not curves:
            continue
        rounds = min(len(c) for c in curves.values())
        first = next(iter(curves.values()))
        summary[order] = {
            "readings": [0] + [first[r]["readings"] for r in range(rounds)],
            "seeds": len(curves),
        }
        for key in CURVE_KEYS:
            values = np.array(
                [
                    [zero_shot_of(report, rep)[key]] + [c[r][key] for r in range(rounds)]
                    for rep, c in curves.items()
                ]
            )
            sd = values.std(axis=0, ddof=1) if len(curves) > 1 else 0 * values[0]
            summary[order][f"{key}_mean"] = list(values.mean(axis=0))
            summary[order][f"{key}_sd"] = list(sd)
    if all(o in summary for o in ORDERS):
        summary["equal_error"] = readings_at_equal_error(summary)
        paired = [
            [w[r]["si_rmse"] - d[r]["si_rmse"] for r in range(min(len(w), len(d)))]
            for s, w in report["curves"]["worklist"].items()
            if (d := report["curves"]["random"].get(s))
        ]
        summary["paired_worklist_minus_random"] = paired
        summary["final_paired"] = paired_difference([p[-1] for p in paired if p])
    return summary


MUST_AGREE = ("n_test", "cines", "frames", "k", "rounds", "finetune")


def merge(reports: list[dict], names: list[str]) -> dict:
    """One report from several runs of this benchmark at the same scale on different base runs
    (e.g. the draws, measured in different sessions): each replicate keyed "base/seed" with
    its own base's zero-shot, the summary recomputed."""
    if not reports:
        raise ValueError("nothing to merge")
    first = reports[0]
    for r in reports[1:]:
        for key in MUST_AGREE:
            if r["scale"].get(key) != first["scale"].get(key):
                raise ValueError(f"reports differ in {key}: cannot merge")
        if r.get("shift") != first.get("shift"):
            raise ValueError("reports evaluate on different shifted families: cannot merge")
    merged: dict = {
        "scale": first["scale"],
        "shift": first.get("shift"),
        "merged_from": names,
        "machine": [r.get("machine") for r in reports],
        "command": [r.get("command") for r in reports],
        "core_timing": [r.get("core_timing") for r in reports],
        "bases": [],
        "zero_shots": {},
        "curves": {o: {} for o in ORDERS},
        "total": {
            "wall_min": round(sum((r.get("total") or {}).get("wall_min") or 0 for r in reports), 1)
        },
    }
    for i, r in enumerate(reports):
        base = r.get("base", {})
        name = Path(base["project"]).stem if base.get("project") else f"report{i}"
        merged["bases"].append({"name": name, **base, "zero_shot": r["zero_shot"]})
        for order in ORDERS:
            for seed, curve in r["curves"][order].items():
                merged["curves"][order][f"{name}/{seed}"] = curve
                merged["zero_shots"][f"{name}/{seed}"] = r["zero_shot"]
    merged["zero_shot"] = {
        k: float(np.mean([r["zero_shot"][k] for r in reports])) for k in CURVE_KEYS
    }
    merged["summary"] = summarise(merged)
    return merged


def paired_difference(diffs: list[float]) -> dict:
    """Mean and SD of the same-seed differences (worklist − random SI RMSE) after the last
    round, and whether the mean lies beyond two standard errors of zero."""
    d = np.asarray(diffs, float)
    if len(d) < 2:
        return {"n": len(d), "mean": float(d.mean()) if len(d) else None, "beyond_2se": False}
    se = float(d.std(ddof=1) / np.sqrt(len(d)))
    mean = float(d.mean())
    return {"n": len(d), "mean": mean, "sd": float(d.std(ddof=1)), "beyond_2se": abs(mean) > 2 * se}


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = report["summary"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    labels = ("SI RMSE on held-out shifted ED frames", "landmark error, median (mm)")
    for ax, key, label in zip(axes, CURVE_KEYS, labels, strict=True):
        for order, colour in (("worklist", "#4c72b0"), ("random", "#dd8452")):
            if order not in summary:
                continue
            s = summary[order]
            for rep, curve in report["curves"][order].items():
                xs = [0] + [c["readings"] for c in curve]
                ys = [zero_shot_of(report, rep)[key]] + [c[key] for c in curve]
                ax.plot(xs, ys, color=colour, alpha=0.25, lw=0.8)
            ax.errorbar(
                s["readings"],
                s[f"{key}_mean"],
                yerr=s[f"{key}_sd"],
                color=colour,
                marker="o",
                capsize=3,
                label=f"{order} order, mean ± SD of {s['seeds']} replicates",
            )
        if key == "si_rmse":
            ax.axhline(0.03, color="grey", lw=0.8, label="reader level 0.03")
        ax.set_xlabel("readings of the shifted family")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small")
    sc = report["scale"]
    saved = summary.get("equal_error", {}).get("saved_fraction")
    final = summary.get("final_paired", {})
    verdict = ""
    if final.get("n", 0) >= 2:
        verdict = (
            f"\nworklist − random after the last round, same replicate: {final['mean']:+.4f} ± "
            f"{final['sd']:.4f} SI RMSE ({final['n']} pairs)"
        )
        if not final["beyond_2se"]:
            verdict += ": within noise, no saving shown"
        elif saved is not None:
            verdict += f"; readings saved at equal error {saved:.0%}"
    bases = len(report.get("bases", [])) or 1
    fig.suptitle(
        f"Worklist vs random, {sc['name']} scale: {bases} base run(s) of {sc['n_base']} phantoms "
        f"x {sc['epochs']} epochs; pool {sc['cines']} cines x {sc['frames']} frames; K={sc['k']}"
        + verdict,
        fontsize="small",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", choices=list(SCALES), default="micro")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument(
        "--base",
        default=None,
        help="a trained project (e.g. a draw of tests/benchmarks/figures.sh) as the base run, "
        "instead of training one at --scale",
    )
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--work", default=None, help="folder for the projects (default: a temp folder)")
    p.add_argument("--out", default=None, help="PREFIX of the JSON and PNG")
    p.add_argument("--plot-only", default=None, metavar="JSON", help="redraw the PNG of a JSON")
    p.add_argument(
        "--merge",
        default=None,
        metavar="A.json,B.json",
        help="join reports of different base runs into one (JSON and PNG at --out PREFIX)",
    )
    args = p.parse_args(argv)
    DEVICE["name"] = args.device
    if args.merge:
        return merge_command(args.merge, args.out, merge, plot)
    if args.plot_only:
        report = json.loads(Path(args.plot_only).read_text())
        report["summary"] = summarise(report)  # with this version's rules
        Path(args.plot_only).write_text(json.dumps(report, indent=1, default=plain))
        plot(report, Path(args.plot_only).with_suffix(".png"))
        return 0
    scale = dict(SCALES[args.scale], name=args.scale, rounds=ROUNDS[args.scale])
    scale["finetune"] = FINETUNE[args.scale]
    seeds = [int(s) for s in args.seeds.split(",")]
    import tempfile

    work = Path(args.work or tempfile.mkdtemp(prefix="bench-worklist-"))
    work.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    prefix = Path(args.out or Path(__file__).parent / "results" / f"{stamp}-worklist-{args.scale}")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(
            f"[{(time.perf_counter() - started) / 60:5.1f} min] {msg}", file=sys.stderr, flush=True
        )

    report: dict = {
        "scale": scale,
        "machine": machine(),
        "command": " ".join(sys.argv),
        "curves": {o: {} for o in ORDERS},
    }

    def save() -> None:
        report["summary"] = summarise(report) if "zero_shot" in report else {}
        Path(f"{prefix}.json").write_text(json.dumps(report, indent=1, default=plain))

    report["core_timing"] = core_timing()
    with Clock() as total:
        if args.base:
            base, report["base"] = existing_base(Path(args.base))
            scale.update(n_base=report["base"]["readings"], epochs=report["base"]["epochs"])
            log(f"base run {report['base']['run_id']} of {base}")
        else:
            base, report["base"] = base_run(work, scale, log)
        test, report["shift"] = phantoms("shifted", TEST_SEED, scale["n_test"])
        cines = pool_cines(scale["cines"], scale["frames"])
        report["zero_shot"] = evaluate_on(base_checkpoint(base), test)
        report["zero_shot"].pop("auroc", None)
        log(f"zero-shot RMSE {report['zero_shot']['si_rmse']:.4f}")
        for seed in seeds:  # seed by seed, both orders: a cut-short run still pairs them
            for order in ORDERS:
                report["curves"][order][str(seed)] = play(
                    base, work, cines, test, seed, order, scale, log
                )
                save()
    report["total"] = total.figures()
    save()
    plot(report, Path(f"{prefix}.png"))
    log(f"wrote {prefix}.json and .png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
