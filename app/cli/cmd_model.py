"""`sphericity train|adapt|base-model|runs|predict|gradcam|evaluate|bench|weights`: the model.

`train --progress jsonl` prints one JSON object per line on stdout (the window reads them);
everything meant for people goes to stderr. torch is imported only inside run().
"""

from __future__ import annotations

import argparse
import json
import sys

PROJECT_HELP = "a project file or an SQLAlchemy URL"


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "weights":
        parser.add_argument("action", choices=["where", "download"], help="show or fetch weights")
        return
    if name == "bench":
        _bench_arguments(parser)
        return
    parser.add_argument("project", metavar="PROJECT", help=PROJECT_HELP)
    {
        "train": _train_arguments,
        "adapt": _adapt_arguments,
        "base-model": _base_model_arguments,
        "runs": _runs_arguments,
        "predict": _predict_arguments,
        "gradcam": _gradcam_arguments,
        "evaluate": _evaluate_arguments,
    }[name](parser)


def _train_arguments(p: argparse.ArgumentParser) -> None:
    from model.config import train_options

    for option in train_options():  # one schema for these options and the training form
        if option.kind is bool:
            p.add_argument(option.flag, action="store_true", help=option.help)
            continue
        default = "" if option.default is None else f"default {option.shown(option.default)}"
        limits = ""
        if option.low is not None:
            limits = f"{option.shown(option.low)} to {option.shown(option.high)}"
        details = "; ".join(part for part in (default, limits) if part)
        p.add_argument(
            option.flag,
            type=_checked(option),
            default=option.default,
            metavar=option.dest.upper(),
            help=f"{option.help} ({details})" if details else option.help,
        )
    _lineage_arguments(p)
    p.add_argument("--progress", choices=["human", "jsonl"], default="human")


def _lineage_arguments(p: argparse.ArgumentParser) -> None:
    """Where a run starts from (help texts: TrainConfig's field metadata). Not in the form's
    schema: the training dock sets `init` with its own "Start from" choice."""
    from model.config import TrainConfig

    d = TrainConfig()
    p.add_argument("--init", default=None, metavar="FROM", help=d.help_of("init"))
    # No argparse choices: the form's editor for a choice has no "unset" entry.
    p.add_argument("--source", default=None, metavar="SOURCE", help=d.help_of("source"))


def _adapt_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", default="latest", help="run to adapt: id or 'latest'")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--progress", choices=["human", "jsonl"], default="human")


def _base_model_arguments(p: argparse.ArgumentParser) -> None:
    from model.config import TrainConfig

    d = TrainConfig()
    p.add_argument(
        "--n", type=int, default=1500, help="phantoms to train on (generated if missing)"
    )
    p.add_argument("--seed", type=int, default=0, help="first phantom seed and training seed")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    p.add_argument("--device", default=d.device, help="auto, cpu or cuda (default auto)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads")
    p.add_argument("--progress", choices=["human", "jsonl"], default="human")


def _checked(option):
    def parse(text: str):
        try:
            return option.check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = option.kind.__name__  # argparse names the type in its messages
    return parse


def _runs_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the runs as JSON")
    p.add_argument(
        "--delete",
        type=int,
        metavar="ID",
        help="delete run ID: its row, predictions, checkpoint and evaluation CSVs (files inside "
        "the project's runs folder only)",
    )


# Commands whose FILE list may also come after the options (see app.cli.main).
TRAILING_FILES = {"predict": "files"}


def _run_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", default="latest", help="run id or 'latest' (the newest finished)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument(
        "--refine",
        type=int,
        default=None,
        metavar="N",
        help="refining fine passes (default: the run's, 1); 0 is about 40 %% faster, a little "
        "less accurate, and cannot flag passes that disagree",
    )


def _predict_arguments(p: argparse.ArgumentParser) -> None:
    _run_argument(p)
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="DICOM/NIfTI/PNG files not in the project (before or after the options)",
    )
    p.add_argument("--csv", help="CSV to write the file predictions to (with FILE arguments)")
    p.add_argument(
        "--spacing-mm",
        type=float,
        default=None,
        help="pixel spacing for files that carry none (PNG); else SI assumes 1 mm",
    )
    p.add_argument("--progress", choices=["human", "jsonl"], default="human")


def _gradcam_arguments(p: argparse.ArgumentParser) -> None:
    _run_argument(p)
    p.add_argument("--image", type=int, required=True, help="image id")
    p.add_argument("--out", required=True, help="PNG to write")
    p.add_argument("--layer", choices=["layer3", "layer4"], default="layer4")


def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    _run_argument(p)
    p.add_argument("--split", default="test", help="train, val, test or all (default test)")
    p.add_argument("--source", choices=["real", "synthetic"], default=None)
    p.add_argument("--csv", help="per-image CSV (default: beside the checkpoint)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")


def _bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT",
        help="frames to bench on (default: generated phantoms)",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--device", default="auto")
    p.add_argument("--steps", type=int, default=4, help="timed training steps per loop")
    p.add_argument("--images", type=int, default=64, help="frames to use")


def run(name: str, args: argparse.Namespace) -> int:
    from core.store import StoreError

    handlers = {
        "train": _train,
        "adapt": _adapt,
        "base-model": _base_model,
        "runs": _runs,
        "predict": _predict,
        "gradcam": _gradcam,
        "evaluate": _evaluate,
        "bench": _bench,
        "weights": _weights,
    }
    try:
        return handlers[name](args)
    except (StoreError, ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"sphericity {name}: {exc}", file=sys.stderr)
        return 1


def _train(args) -> int:
    from dataclasses import replace

    from model.config import config_from_options, train_options

    config = config_from_options({o.dest: getattr(args, o.dest) for o in train_options()})
    config = replace(config, init=args.init, source=args.source)
    if config.source not in (None, "synthetic", "real"):
        raise ValueError("--source must be 'synthetic' or 'real'")
    if config.finetuning():  # options left at their defaults take the fine-tuning defaults
        config = config.with_finetune_defaults()
    return _run_training(config, args.project, args.progress)


def _run_training(config, project_path: str, progress: str) -> int:
    from core.store import Project
    from model.distributed import torchrun_world, train_command
    from model.progress import CancelFlag, make_reporter
    from model.train import train

    if config.devices > 1 or (torchrun_world() or 1) > 1:
        return train_command(config, project_path, progress)
    reporter = make_reporter(progress)
    with CancelFlag() as cancel, Project.open(project_path) as project:
        try:
            result = train(config, project, progress=reporter, cancel=cancel.is_set)
        except Exception:
            return 1  # the "error" event (and the run row) already say what happened
    return 0 if result.status in ("done", "cancelled") else 1


def _adapt(args) -> int:
    from core.store import Project
    from model.adapt import adapt_run
    from model.progress import make_reporter

    reporter = make_reporter(args.progress)
    with Project.open(args.project) as project:
        run_id = adapt_run(project, args.run, device=args.device, progress=reporter)
        run = project.run(run_id)
    n = run.config["adapted_to"]["n_images"]
    print(
        f"run {run_id}: run {run.config['parent_run_id']} with batch norm adapted to {n} "
        "of the project's frames (no readings used)",
        file=sys.stderr,
    )
    return 0


def _base_model(args) -> int:
    """Phantoms of the base family into the project (as many as missing), then a run on them."""
    from core.store import ImageFilter, Project
    from model.config import TrainConfig

    with Project.open(args.project) as project:
        have = project.count_images(ImageFilter(source="synthetic"))
    if have < args.n:
        from app.cli import cmd_generate

        gen = argparse.Namespace(
            out=None,
            project=args.project,
            n=args.n - have,
            seed=args.seed + have,
            dicom=False,
            cine=None,
            unread=False,
        )
        if cmd_generate.run("generate", gen) != 0:
            return 1
    config = TrainConfig(
        epochs=args.epochs,
        seed=args.seed,
        device=args.device,
        threads=args.threads,
        source="synthetic",
    )
    return _run_training(config, args.project, args.progress)


def _runs(args) -> int:
    from core.store import Project

    if args.delete is not None:
        return _delete_run(args)
    with Project.open(args.project) as project:
        runs = project.runs()
    if args.json:
        rows = [_run_dict(r) for r in runs]
        print(json.dumps(rows, indent=2, default=str))
        return 0
    if not runs:
        print("no runs yet")
    for r in runs:
        m = r.metrics or {}
        mse = m.get(f"val_mse_{r.model_si_kind}") if r.model_si_kind else None
        shown = f"val MSE {mse:.4f}" if isinstance(mse, float) else ""
        dur = f"{r.duration_s / 60:.1f} min" if r.duration_s else ""
        parent = (r.config or {}).get("parent_run_id")
        lineage = f"  from run {parent}" if parent is not None else ""
        adapted = (r.config or {}).get("adapted_to")
        lineage += f", adapted to {adapted['n_images']} frames" if adapted else ""
        print(
            f"{r.id:4d}  {r.created_at:%Y-%m-%d %H:%M}  {r.status:9s}  "
            f"{r.data_snapshot.get('n_images', '?'):>5} images  {dur:>9s}  {shown}  {r.device}"
            f"{lineage}"
        )
    return 0


def _delete_run(args) -> int:
    from core.runs import delete_run
    from core.store import Project

    with Project.open(args.project) as project:
        deleted = delete_run(project, args.delete)
    print(f"deleted run {deleted.run_id} and {len(deleted.removed)} of its files")
    for path in deleted.kept:
        print(f"left alone (outside the project's runs folder): {path}", file=sys.stderr)
    return 0


def _run_dict(r) -> dict:
    return {
        "id": r.id,
        "created_at": r.created_at.isoformat(),
        "status": r.status,
        "device": r.device,
        "duration_s": r.duration_s,
        "checkpoint_path": r.checkpoint_path,
        "model_si_kind": r.model_si_kind,
        "metrics": r.metrics,
        "config": r.config,
        "n_images": r.data_snapshot.get("n_images"),
        "parent_run_id": (r.config or {}).get("parent_run_id"),
        "code_version": r.code_version,
    }


def _predictor_for(project, args):
    from core.runs import checkpoint_file
    from model.infer import Predictor
    from model.predict import resolve_run

    run = resolve_run(project, args.run)
    predictor = Predictor.from_checkpoint(checkpoint_file(project, run), device=args.device)
    if args.refine is not None:
        if args.refine < 0:
            raise ValueError("--refine must be 0 or more")
        predictor = predictor.with_refine(args.refine)
    return run, predictor


def _predict(args) -> int:
    from core.store import Project
    from model.predict import predict_files, predict_project
    from model.progress import make_reporter

    with Project.open(args.project) as project:
        run, predictor = _predictor_for(project, args)
        if args.files:
            if not args.csv:
                raise ValueError("with FILE arguments, give --csv OUT")
            from model.evaluate import write_rows_csv

            failed = []

            def skip(name: str, reason: str) -> None:
                failed.append(name)
                from core.paths import printable_name

                print(f"{printable_name(name)}: skipped: {reason}", file=sys.stderr)

            rows = predict_files(args.files, predictor, args.spacing_mm, on_error=skip)
            write_rows_csv(args.csv, rows)
            n_read = len(args.files) - len(failed)
            print(f"{len(rows)} frames from {n_read} files -> {args.csv}", file=sys.stderr)
            return 1 if failed else 0
        report = make_reporter("jsonl") if args.progress == "jsonl" else None
        n = predict_project(project, run, predictor, progress=report)
    if report:
        report({"event": "done", "run_id": run.id, "n_images": n})
    else:
        print(f"run {run.id}: predictions stored for {n} images", file=sys.stderr)
    return 0


def _gradcam(args) -> int:
    from core.geometry import spacing_or_unknown
    from core.store import Project
    from model.gradcam import GradCam
    from model.overlay import overlay_png

    with Project.open(args.project) as project:
        _run, predictor = _predictor_for(project, args)
        pixels = project.pixels(args.image)
        spacing = spacing_or_unknown(project.image(args.image).spacing)
    cam, pred = GradCam(predictor).map(pixels, spacing, args.layer)
    overlay_png(args.out, pixels, cam, pred.landmarks)
    print(
        f"image {args.image}: SI {pred.si:.3f} (regression {pred.si_regression:.3f}, "
        f"landmarks {pred.si_landmarks:.3f}); Grad-CAM {args.layer} -> {args.out}",
        file=sys.stderr,
    )
    return 0


def _evaluate(args) -> int:
    from pathlib import Path

    from core.runs import evaluation_csv
    from core.store import Project
    from model.evaluate import evaluate, store_evaluation, write_rows_csv

    with Project.open(args.project) as project:
        run, predictor = _predictor_for(project, args)
        metrics, rows = evaluate(project, run, predictor, split=args.split, source=args.source)
        store_evaluation(project, run, metrics)
        csv_path = Path(args.csv) if args.csv else evaluation_csv(project, run, metrics["split"])
    write_rows_csv(csv_path, rows)
    metrics["csv"] = str(csv_path)
    if args.json:
        from model.progress import json_safe

        print(json.dumps(json_safe(metrics), indent=2))
        return 0
    _print_evaluation(run, metrics)
    return 0


def _print_evaluation(run, m: dict) -> None:
    print(
        f"run {run.id} on {m['n_images']} images (split {m['split']}"
        f"{', ' + m['source'] if m['source'] else ''}); model SI = {m['model_si_kind']}"
        + (
            " (regression where a prediction is flagged)"
            if m["model_si_kind"] == "landmarks"
            else ""
        )
    )
    print(
        f"{'':12s}{'MSE':>9s}{'RMSE':>8s}{'MAE':>8s}{'r':>7s}{'R2':>7s}{'bias':>8s}"
        f"{'LoA':>18s}{'ICC':>7s}"
    )
    for kind in ("regression", "landmarks", "model"):
        k = m[kind]
        print(
            f"{kind:12s}{k['mse']:9.5f}{k['rmse']:8.4f}{k['mae']:8.4f}{k['pearson_r']:7.3f}"
            f"{k['r2']:7.3f}{k['bias']:8.4f}  [{k['loa_low']:7.4f},{k['loa_high']:7.4f}]"
            f"{k['icc_2_1']:7.3f}"
        )
    print(
        f"landmark error: median {m['landmark_error_mm_median']:.2f} mm, "
        f"90th percentile {m['landmark_error_mm_p90']:.2f} mm; per-image CSV {m['csv']}"
    )
    if m.get("flagged"):
        print(f"{m['flagged']} of {m['n_images']} images flagged (see the CSV's flags column)")
    _print_subjects(m)


def _print_subjects(m: dict) -> None:
    """Per subject: a patient's frames are alike, so each subject also gets one vote."""
    subjects = m.get("subjects") or []
    if not subjects:
        return
    s = m["per_subject"]
    print(
        f"per subject ({len(subjects)}; model SI of the subject means): "
        f"RMSE {s['rmse']:.4f}, bias {s['bias']:+.4f}, r {s['pearson_r']:.3f}"
    )
    shown = subjects if len(subjects) <= 12 else subjects[:12]
    print(f"  {'subject':12s}{'frames':>7s}{'ref SI':>8s}{'model':>8s}{'RMSE':>8s}{'bias':>8s}")
    for g in shown:
        print(
            f"  {g['subject']:12s}{g['n_images']:7d}{g['si_reference_mean']:8.3f}"
            f"{g['si_mean']:8.3f}{g['rmse']:8.4f}{g['bias']:+8.4f}"
        )
    if len(shown) < len(subjects):
        print(f"  ... {len(subjects) - len(shown)} more in the JSON (--json)")


def _bench(args) -> int:
    from model.bench import run_bench

    figures = run_bench(args.project, device=args.device, steps=args.steps, n_images=args.images)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:34s} {value}")
    return 0


def _weights(args) -> int:
    from model import weights

    if args.action == "where":
        found = weights.find_weights()
        print(f"cache folder: {weights.cache_dir()}")
        print(f"found: {found}" if found else f"no weights file: {weights.where_to_put()}")
        return 0
    path = weights.download()
    print(f"weights in {path}")
    return 0
