"""Benchmark: a base run meets a new scanner (the shifted phantom family) and learns it.

Usage: python tests/benchmarks/bench_shift.py [--scale reduced|default] [--work DIR]
       [--n-base N] [--epochs E] [--n-test N] [--ns 5,10,20,50] [--seeds 0,1,2] [--out PREFIX]

Trains a base run on the base phantom family, then on a held-out set of the shifted family
reports: zero-shot SI RMSE and landmark error, after batch-norm adaptation to unread shifted
frames (`sphericity adapt`), and after fine-tuning on n readings of the shifted family
(`train --init`, fine-tuning defaults, each n with several seeds), with the CPU minutes of
each step and the AUROC of each flag for telling errors > 0.05 SI from smaller ones. Writes
PREFIX.json and PREFIX.png (default tests/benchmarks/results/<date>-shift-<scale>).

`--scale default` is the product's setting (1,500 base phantoms, 20 epochs: hours on 2 CPU
cores); `reduced` (300 phantoms, 6 epochs, 40 test frames) is what fits in about an hour on a
2-core CPU shared with other work.
Its figures are the reduced setting's, never the default's.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout

from core.geometry import GeometryError, Landmarks, Spacing
from core.store import Project

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shift_report import add_summaries, auroc, merge, plot  # auroc: for other benchmarks too

SCALES = {
    "default": {"n_base": 1500, "epochs": 20, "n_test": 150, "n_pool": 300},
    "reduced": {"n_base": 300, "epochs": 6, "n_test": 40, "n_pool": 70},
    # What a shared, busy 2-core CPU finishes in about half an hour: shows the mechanism only.
    "micro": {"n_base": 120, "epochs": 4, "n_test": 20, "n_pool": 60},
}
BIG_ERROR_SI = 0.05
DEVICE = {"name": "auto"}  # --device: where every step of the benchmark runs
TEST_SEED, POOL_SEED = 100_000, 200_000  # shifted-family seeds far from the base family's


# -- phantoms -------------------------------------------------------------------------------


def _frame(args):
    """(seed, (pixels, spacing, landmarks) or None) of one phantom of a family."""
    seed, family = args
    from core.phantom.generate import generate_frame

    try:
        try:
            f = generate_frame(seed, family=family)
            return seed, (f.pixels, f.spacing, f.landmarks), "family"
        except TypeError:  # a core.phantom without families: the bench's own stand-in shift
            f = generate_frame(seed)
            frame = (f.pixels, f.spacing, f.landmarks)
            return seed, stand_in_shift(frame, seed) if family == "shifted" else frame, "stand-in"
    except GeometryError:
        return seed, None, ""


def stand_in_shift(frame, seed: int):
    """A base phantom seen by another scanner: coarser pixels, other contrast and gamma, more
    noise, coil shading. Only similarities and intensity: the SI and landmarks stay exact."""
    from scipy import ndimage

    pixels, spacing, lm = frame
    rng = np.random.default_rng(seed)
    factor = rng.uniform(0.6, 0.8)  # fewer, larger pixels
    img = ndimage.zoom(pixels.astype(np.float32), factor, order=1)
    top = float(np.percentile(img, 99.5)) or 1.0
    img = (np.clip(img / top, 0, None) ** rng.uniform(0.6, 1.5)) * rng.uniform(0.5, 1.5)
    rows, cols = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * cols / img.shape[1] + np.sin(angle) * rows / img.shape[0]) / 1.5
    img = img * (1.0 - rng.uniform(0.2, 0.5) * (ramp - ramp.min()))
    img = np.abs(img + rng.normal(0, rng.uniform(0.03, 0.08), img.shape))
    out = np.clip(img * 1000, 0, 4095).astype(np.uint16)
    scale = np.array(out.shape, float) / np.array(pixels.shape, float)  # (rows, cols)
    points = [(x * scale[1], y * scale[0]) for x, y in lm.points()]
    shifted = Spacing(spacing.row_mm / scale[0], spacing.col_mm / scale[1])
    return out, shifted, Landmarks(*points)


def phantoms(family: str, first_seed: int, n: int) -> tuple[list, str]:
    """n phantom frames (pixels, spacing, landmarks) of a family, and how the shift was made."""
    with Pool(2) as pool:
        got = pool.map(_frame, [(first_seed + k, family) for k in range(n + n // 10 + 5)])
    frames = [f for _, f, _ in got if f is not None][:n]
    kinds = {k for _, f, k in got if f is not None}
    return frames, "stand-in" if "stand-in" in kinds else "family"


def add_frames(project, frames, prefix: str, *, read: bool, split: str | None = None) -> list:
    """Add frames (one series each, synthetic) with or without readings; returns image ids."""
    ids = []
    with project.transaction() as repo:
        reader = repo.ensure_annotator("phantom", role="reviewer")
        for k, (pixels, spacing, lm) in enumerate(frames):
            series = repo.add_series(f"{prefix}-{k}", source="synthetic")
            image_id, _ = repo.add_image(
                series, pixels, frame_index=0, spacing=spacing, source="synthetic", is_ed=True
            )
            if read:
                repo.save_reading(image_id, reader, lm, status="approved")
            ids.append(image_id)
    if split:
        project.set_split(dict.fromkeys(ids, split))
    return ids


# -- measuring ------------------------------------------------------------------------------


class Clock:
    """Wall and CPU time (this process and its children) of one step."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu_s()
        return self

    def __exit__(self, *exc):
        self.wall_min = (time.perf_counter() - self.wall) / 60
        self.cpu_min = (_cpu_s() - self.cpu) / 60

    def figures(self) -> dict:
        return {"wall_min": round(self.wall_min, 2), "cpu_min": round(self.cpu_min, 2)}


def _cpu_s() -> float:
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def evaluate_on(checkpoint, test) -> dict:
    """SI errors, landmark error and flag AUROCs of a run on the held-out shifted frames."""
    from model.evaluate import landmark_errors_mm
    from model.infer import Predictor
    from model.si import si_from_landmarks

    predictor = Predictor.from_checkpoint(checkpoint, device=DEVICE["name"])
    preds = predictor.predict([(p, s) for p, s, _ in test])
    truth = np.array([si_from_landmarks(lm, s) for _, s, lm in test])
    si = np.array([p.si for p in preds])
    err = np.abs(si - truth)
    lm_err = [
        e
        for (_, s, lm), p in zip(test, preds, strict=True)
        for e in landmark_errors_mm(p.landmarks, lm, s).values()
    ]
    big = err > BIG_ERROR_SI
    scores = {
        "pass_agreement": [max(p.centre_shift_mm, p.axis_turn_deg) / 5.0 for p in preds],
        "feature_distance": [p.feature_distance for p in preds],
        "low_confidence": [-min(list(p.confidence.values())[:3]) for p in preds],
        "si_heads_disagree": [abs(p.si_regression - p.si_landmarks) for p in preds],
        "any_flag": [float(bool(p.flags)) for p in preds],
    }

    def rmse(values):
        ok = np.isfinite(values)
        return float(np.sqrt(np.mean((values[ok] - truth[ok]) ** 2)))

    return {
        "si_rmse": rmse(si),
        "si_rmse_regression": rmse(np.array([p.si_regression for p in preds])),
        "si_rmse_landmarks": rmse(np.array([p.si_landmarks for p in preds])),
        "si_bias": float(np.mean(si - truth)),
        "landmark_error_mm_median": float(np.nanmedian(lm_err)),
        "flagged": int(sum(bool(p.flags) for p in preds)),
        "distance_flagged": int(sum(any("looks unlike" in f for f in p.flags) for p in preds)),
        "big_errors": int(big.sum()),
        "auroc": {name: auroc(v, big) for name, v in scores.items()},
    }


# -- the steps ------------------------------------------------------------------------------


def base_run(work: Path, scale: dict, log) -> tuple[Path, dict]:
    """The base project and run; returns (project path, figures incl. the val curve)."""
    from model.config import TrainConfig
    from model.train import train

    path = work / "base.sphericity"
    if path.exists():  # a rerun in the same --work folder keeps its base run
        log(f"base run reused from {path}")
        return existing_base(path)
    with Clock() as gen:
        frames, _ = phantoms("base", 0, scale["n_base"])
        with Project.create(path) as project:
            add_frames(project, frames, "base", read=True)
    log(f"base: {len(frames)} phantoms in {gen.wall_min:.1f} min")
    with Clock() as clock, Project.open(path) as project:
        train(TrainConfig(epochs=scale["epochs"], device=DEVICE["name"]), project)
    _, figures = existing_base(path)
    log(f"base run {figures['run_id']}: {clock.wall_min:.1f} min")
    return path, {**figures, "generate": gen.figures(), "train": clock.figures()}


def existing_base(path: Path) -> tuple[Path, dict]:
    """A project trained before (e.g. one draw of the phantom figures) as a base: its newest
    finished run."""
    from core.runs import checkpoint_file, latest_finished_run

    with Project.open(path) as project:
        run = latest_finished_run(project.runs())
        if run is None:
            raise SystemExit(f"{path} has no finished run to use as the base")
        checkpoint = checkpoint_file(project, run)
        n_images = len(project.readings())
    history = (run.metrics or {}).get("history", [])
    return path, {
        "project": str(path),
        "run_id": run.id,
        "checkpoint": str(checkpoint),
        "seed": (run.config or {}).get("seed"),
        "epochs": (run.config or {}).get("epochs"),
        "readings": n_images,
        "val_curve": _curve(history),
    }


def _curve(history: list[dict]) -> list[dict]:
    keys = ("epoch", "loss", "val_loss", "val_mse_regression", "val_mse_landmarks")
    return [{k: h.get(k) for k in keys} for h in history]


def copy_project(base: Path, dest: Path) -> Path:
    """A copy of the base project whose runs folder links the base's run files (checkpoints
    are stored relative to the runs folder); new runs of the copy write files of their own."""
    from core.runs import runs_dir

    with Project.open(base) as project:  # closing it folds its write-ahead log into the file
        src_runs = runs_dir(project)
    shutil.copy(base, dest)
    with Project.open(dest) as project:
        dest_runs = runs_dir(project)
    if dest_runs.exists():
        shutil.rmtree(dest_runs)
    dest_runs.mkdir(parents=True)
    for f in src_runs.iterdir() if src_runs.exists() else ():
        (dest_runs / f.name).symlink_to(f.resolve())
    return dest


def adapted_run(base: Path, work: Path, pool_unread, log) -> tuple[str, dict]:
    from core.runs import checkpoint_file
    from model.adapt import adapt_run

    path = copy_project(base, work / f"adapt-{base.stem}.sphericity")
    with Clock() as clock, Project.open(path) as project:
        add_frames(project, pool_unread, "unread", read=False)
        run_id = adapt_run(project, "latest", device=DEVICE["name"])
        checkpoint = checkpoint_file(project, project.run(run_id))
    log(f"adapted run ({base.stem}): {clock.wall_min:.1f} min")
    return str(checkpoint), clock.figures()


def finetune_run(base: Path, work: Path, readings, unread, seed: int, option: str) -> tuple:
    """A fine-tune of the base run on `readings` (all in the training split); `option` names
    the fine-tuning settings (see OPTIONS). Returns (checkpoint, clock figures)."""
    from model.config import TrainConfig
    from model.train import train

    name = f"ft-{base.stem}-{option}-{len(readings)}-{seed}.sphericity"
    path = copy_project(base, work / name)
    with Clock() as clock, Project.open(path) as project:
        add_frames(project, readings, "read", read=True, split="train")
        if OPTIONS[option].get("adapt"):
            add_frames(project, unread, "unread", read=False)
        config = TrainConfig(init="latest", seed=seed, device=DEVICE["name"])
        config = config.with_finetune_defaults()
        config = replace(config, **OPTIONS[option])
        result = train(config, project)
    return result.checkpoint_path, clock.figures()


# Fine-tuning settings compared at one n; "defaults" is model.config.FINETUNE_DEFAULTS.
OPTIONS: dict[str, dict] = {
    "defaults": {},
    "adapt": {"adapt": True},
    "longer": {"epochs": 15, "epoch_steps": 10},
    "all_layers": {"freeze": 0, "freeze_bn": False, "lr": 1e-3},
    "replay": {"replay": 0.5},  # as many of the base's phantoms as new readings
}


def finetune_grid(replicates, work: Path, pool, test, args, log, save) -> dict:
    """The learning curve with the fine-tuning defaults, one replicate (base run, seed) at a
    time so a cut-short run still covers every n, then the other options at one n."""
    results: dict = {"options": {}, "curve": {str(n): [] for n in args.ns}}
    results["chosen_option"] = "defaults"
    compare_n = 20 if 20 in args.ns else args.ns[len(args.ns) // 2]

    def one(base: Path, n: int, seed: int, option: str) -> dict:
        pick = np.random.default_rng(seed).choice(len(pool), size=n, replace=False)
        readings = [pool[i] for i in pick]
        unread = [f for i, f in enumerate(pool) if i not in set(pick)]
        checkpoint, clock = finetune_run(base, work, readings, unread, seed, option)
        figures = {
            "base": base.stem,
            "n": n,
            "seed": seed,
            "option": option,
            **clock,
            **evaluate_on(checkpoint, test),
        }
        log(
            f"fine-tune {base.stem} {option} n={n} seed={seed}: RMSE "
            f"{figures['si_rmse']:.4f}, {clock['wall_min']} min"
        )
        return figures

    for base, seed in replicates:
        for n in args.ns:
            results["curve"][str(n)].append(one(base, n, seed, "defaults"))
            save(results)
    chosen = replicates[: args.option_seeds]
    results["options"]["defaults"] = results["curve"][str(compare_n)][: len(chosen)]
    for option in args.options or [o for o in OPTIONS if o != "defaults"]:
        if option != "defaults":
            results["options"][option] = [one(b, compare_n, s, option) for b, s in chosen]
            save(results)
    return results


def replicate_plan(bases: list[Path], seeds: list[int]) -> list[tuple[Path, int]]:
    """(base project, seed) pairs: one base with every seed, or base i with seed i."""
    if len(bases) == 1:
        return [(bases[0], s) for s in seeds]
    if len(bases) != len(seeds):
        raise SystemExit(f"{len(bases)} base projects need as many seeds, got {len(seeds)}")
    return list(zip(bases, seeds, strict=True))


def merge_command(files_arg: str, out: str | None, merge_reports, plot_report) -> int:
    """`--merge A.json,B.json [--out PREFIX]` of a benchmark: its merge of the reports, written
    as PREFIX.json and PREFIX.png (default: beside the first, "-merged")."""
    files = [Path(f) for f in files_arg.split(",")]
    report = merge_reports([json.loads(f.read_text()) for f in files], [f.name for f in files])
    prefix = Path(out or files[0].with_name(files[0].stem + "-merged"))
    Path(f"{prefix}.json").write_text(json.dumps(report, indent=1, default=plain))
    plot_report(report, Path(f"{prefix}.png"))
    print(f"wrote {prefix}.json and .png", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    args = _arguments(argv)
    DEVICE["name"] = args.device
    if args.plot_only:
        plot(json.loads(Path(args.plot_only).read_text()), Path(args.plot_only).with_suffix(".png"))
        return 0
    if args.merge:
        return merge_command(args.merge, args.out, merge, plot)
    scale = dict(SCALES[args.scale], name=args.scale)
    for key in ("n_base", "epochs", "n_test", "n_pool"):
        if getattr(args, key) is not None:
            scale[key] = getattr(args, key)
            scale["name"] = f"{args.scale} (changed)"
    scale["n_pool"] = max(scale["n_pool"], max(args.ns) + 20)
    import tempfile

    work = Path(args.work or tempfile.mkdtemp(prefix="bench-shift-"))
    work.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    name = args.scale if not args.base else "draws"
    prefix = Path(args.out or Path(__file__).parent / "results" / f"{stamp}-shift-{name}")
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(
            f"[{(time.perf_counter() - started) / 60:5.1f} min] {msg}", file=sys.stderr, flush=True
        )

    prefix.parent.mkdir(parents=True, exist_ok=True)
    report: dict = {"scale": scale, "machine": machine(), "command": " ".join(sys.argv)}

    def save(partial=None) -> None:
        if partial is not None:
            report["finetune"] = partial
        Path(f"{prefix}.json").write_text(json.dumps(report, indent=1, default=plain))

    if args.base:
        bases = [existing_base(Path(b)) for b in args.base.split(",")]
        scale.update(name="draws", n_base=bases[0][1]["readings"], epochs=bases[0][1]["epochs"])
    else:
        bases = [base_run(work, scale, log)]
    test, shift = phantoms("shifted", TEST_SEED, scale["n_test"])
    pool, _ = phantoms("shifted", POOL_SEED, scale["n_pool"])
    base_test, _ = phantoms("base", TEST_SEED, scale["n_test"])
    report.update(shift=shift, bases=[])
    for path, figures in bases:
        entry = {"base": figures, "base_family_test": evaluate_on(figures["checkpoint"], base_test)}
        with Clock() as clock:
            entry["zero_shot"] = evaluate_on(figures["checkpoint"], test)
        entry["zero_shot"]["predict"] = clock.figures()
        log(f"{path.stem}: zero-shot RMSE {entry['zero_shot']['si_rmse']:.4f}")
        checkpoint, adapt_clock = adapted_run(path, work, pool, log)
        entry["adapted"] = {**evaluate_on(checkpoint, test), "adapt": adapt_clock}
        log(f"{path.stem}: adapted RMSE {entry['adapted']['si_rmse']:.4f}")
        report["bases"].append(entry)
        save()
    add_summaries(report)
    replicates = replicate_plan([p for p, _ in bases], args.seeds)
    report["finetune"] = finetune_grid(replicates, work, pool, test, args, log, save)
    add_summaries(report)
    report["total_wall_min"] = round((time.perf_counter() - started) / 60, 1)
    save()
    plot(report, Path(f"{prefix}.png"))
    log(f"wrote {prefix}.json and .png")
    return 0


def _arguments(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", choices=list(SCALES), default="reduced")
    p.add_argument(
        "--base",
        default=None,
        metavar="P1[,P2,...]",
        help="trained projects of the base family to start from (e.g. the phantom-figure draws; "
        "base i pairs with seed i) instead of training a base at --scale",
    )
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--n-base", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--n-test", type=int)
    p.add_argument("--n-pool", type=int)
    p.add_argument("--ns", default="5,10,20,50")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--options", default=None, help="fine-tuning options to compare (default all)")
    p.add_argument(
        "--option-seeds", type=int, default=1, help="replicates for the options other than defaults"
    )
    p.add_argument("--plot-only", default=None, metavar="JSON", help="redraw the PNG of a JSON")
    p.add_argument(
        "--merge",
        default=None,
        metavar="A.json,B.json",
        help="write one report (JSON and PNG at --out) from reports of the same scale, e.g. base "
        "runs measured in different sessions",
    )
    p.add_argument("--work", default=None, help="folder for the projects (default: a temp folder)")
    p.add_argument("--out", default=None, help="PREFIX of the JSON and PNG")
    args = p.parse_args(argv)
    args.ns = [int(n) for n in args.ns.split(",")]
    args.seeds = [int(s) for s in args.seeds.split(",")]
    args.options = args.options.split(",") if args.options else None
    return args


def plain(value):
    """json.dumps default for the reports: numpy scalars as numbers, anything else as text."""
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def machine() -> dict:
    """The machine a report was measured on."""
    import os
    import platform

    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_avg_at_start": os.getloadavg()[0],
        "device": _device_name(),
    }


def _device_name() -> str:
    import torch

    if DEVICE["name"] != "cpu" and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return "cpu"


if __name__ == "__main__":
    raise SystemExit(main())
