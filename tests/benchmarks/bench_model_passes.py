"""Benchmark: what the refining fine passes buy, and how often predictions are flagged.

Usage: python tests/benchmarks/bench_model_passes.py PROJECT [--run latest] [--split test]
       [--refine 0,1,2] [--json]

For each number of refining passes: SI MSE / R2 of both estimates against the reference, the
landmark error in mm (median, 90th percentile, per landmark), prediction speed, and how the
last two passes agree (centre shift, axis turn: the figures behind model.infer's flag limits)
with the share of frames flagged. Then the same run on the MR frames of the DICOM test data
that ships with pydicom and pydicom-data (none shows a heart), to see whether the flags fire.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout

from core.runs import checkpoint_file
from core.store import Project
from model.data import load_samples
from model.evaluate import landmark_errors_mm
from model.infer import Predictor
from model.predict import read_frames, resolve_run

REAL_MR = (
    ("pydicom", "MR_small.dcm"),
    ("pydicom", "MR_truncated.dcm"),
    ("pydicom-data", "MR2_UNCR.dcm"),
    ("pydicom-data", "MR-SIEMENS-DICOM-WithOverlays.dcm"),
    ("pydicom-data", "emri_small.dcm"),
)


def _real_mr_paths() -> list[Path]:
    from pydicom.data import get_testdata_file

    out = []
    for _, name in REAL_MR:
        try:
            path = get_testdata_file(name)
        except Exception:
            path = None
        if path:
            out.append(Path(path))
    return out


def _summary(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {
        "median": float(np.median(v)),
        "p95": float(np.percentile(v, 95)),
        "max": float(v.max()),
    }


def measure(predictor: Predictor, samples, refine: int) -> dict:
    predictor = predictor.with_refine(refine)
    frames = [(s.pixels, s.spacing) for s in samples]
    start = time.perf_counter()
    preds = predictor.predict(frames)
    seconds = time.perf_counter() - start
    ref = np.array([s.si for s in samples])
    errs = np.array(
        [
            list(landmark_errors_mm(p.landmarks, s.landmarks, s.spacing).values())
            for p, s in zip(preds, samples, strict=True)
        ]
    )
    out = {"refine": refine, "images_per_s": len(samples) / seconds}
    for kind in ("si_landmarks", "si_regression"):
        est = np.array([getattr(p, kind) for p in preds])
        mse = float(np.nanmean((est - ref) ** 2))
        out[kind] = {"mse": mse, "r2": 1.0 - mse / float(ref.var())}
    out["landmark_error_mm"] = {
        "median": float(np.median(errs)),
        "p90": float(np.percentile(errs, 90)),
        "median_per_landmark": [float(v) for v in np.median(errs, axis=0)],
    }
    out["centre_shift_mm"] = _summary([p.centre_shift_mm for p in preds])
    out["axis_turn_deg"] = _summary([p.axis_turn_deg for p in preds])
    out["flagged"] = sum(bool(p.flags) for p in preds) / len(preds)
    return out


def real_frames(predictor: Predictor) -> list[dict]:
    rows = []
    for path in _real_mr_paths():
        try:
            frames = read_frames(path)
        except Exception as exc:
            rows.append({"file": path.name, "error": str(exc)})
            continue
        pred = predictor.predict(frames[:1])[0]
        rows.append(
            {
                "file": path.name,
                "si": pred.si,
                "centre_shift_mm": pred.centre_shift_mm,
                "axis_turn_deg": pred.axis_turn_deg,
                "min_confidence": min(pred.confidence.values()),
                "flags": list(pred.flags),
            }
        )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project")
    ap.add_argument("--run", default="latest")
    ap.add_argument("--split", default="test")
    ap.add_argument("--refine", default="0,1,2", help="numbers of refining passes to compare")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with Project.open(args.project) as project:
        run = resolve_run(project, args.run)
        checkpoint = checkpoint_file(project, run)
        samples = load_samples(project, splits={args.split})
    predictor = Predictor.from_checkpoint(checkpoint, device=args.device)
    default_refine = predictor.config.refine
    results = [measure(predictor, samples, int(r)) for r in args.refine.split(",")]
    report = {
        "run": run.id,
        "split": args.split,
        "n_images": len(samples),
        "device": predictor.setup.describe(),
        "passes": results,
        "real_mr": real_frames(predictor),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"run {run.id}, {len(samples)} {args.split} images, {report['device']}")
    for r in results:
        lm, rg, e = r["si_landmarks"], r["si_regression"], r["landmark_error_mm"]
        print(
            f"refine {r['refine']}: SI(landmarks) MSE {lm['mse']:.5f} R2 {lm['r2']:.3f} | "
            f"SI(regression) MSE {rg['mse']:.5f} R2 {rg['r2']:.3f} | landmark error median "
            f"{e['median']:.2f} mm p90 {e['p90']:.2f} mm, per landmark "
            f"{[round(v, 2) for v in e['median_per_landmark']]} | {r['images_per_s']:.1f} img/s"
        )
        print(
            f"  last two passes: centre shift median {r['centre_shift_mm']['median']:.1f} "
            f"p95 {r['centre_shift_mm']['p95']:.1f} max {r['centre_shift_mm']['max']:.1f} mm; "
            f"axis turn median {r['axis_turn_deg']['median']:.1f} "
            f"p95 {r['axis_turn_deg']['p95']:.1f} max {r['axis_turn_deg']['max']:.1f} deg; "
            f"flagged {100 * r['flagged']:.1f} %"
        )
    print(f"real MR test frames (refine {default_refine}; none shows a heart):")
    for row in report["real_mr"]:
        if "error" in row:
            print(f"  {row['file']}: not read ({row['error']})")
            continue
        print(
            f"  {row['file']}: SI {row['si']:.2f}, centre shift {row['centre_shift_mm']:.0f} mm, "
            f"axis turn {row['axis_turn_deg']:.0f} deg, min confidence "
            f"{row['min_confidence']:.3f}; flags: {'; '.join(row['flags']) or 'none'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
