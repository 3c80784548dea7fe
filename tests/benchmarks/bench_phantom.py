"""Benchmark: phantom frames per second at 256x256, next to a plain reference in the same run.

Usage: python tests/benchmarks/bench_phantom.py [--frames 40] [--cine 20] [--family base] [--json]

The target (the model trains on 1,500-2,000 phantom frames) is at most 60 ms per 256x256 frame.
Three figures: single frames (a new series each: heart, chest, scanner drawn every time), frames
of cines (the series drawn once per cine), and the reference: the least any phantom costs, a
256x256 float image with one Gaussian blur and Rician noise, then quantised to uint16.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a source checkout

from core.phantom import generate_cine, generate_frame

SHAPE = (256, 256)


def _reference(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = ndimage.gaussian_filter(rng.random(SHAPE, dtype=np.float32), 0.7)
    noisy = np.hypot(img + 0.03 * rng.standard_normal(SHAPE), 0.03 * rng.standard_normal(SHAPE))
    return np.clip(noisy * 1000, 0, 65535).astype(np.uint16)


def _times_ms(fn, count: int) -> list[float]:
    out = []
    for k in range(count):
        start = time.perf_counter()
        fn(k)
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--cine", type=int, default=20)
    parser.add_argument("--family", choices=("base", "shifted"), default="base")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    fam = args.family
    generate_frame(0, shape=SHAPE, family=fam)  # imports and first-call costs out of the figures
    single = _times_ms(lambda k: generate_frame(1000 + k, shape=SHAPE, family=fam), args.frames)
    cines = max(1, args.frames // args.cine)
    start = time.perf_counter()
    for k in range(cines):
        generate_cine(2000 + k, n_frames=args.cine, shape=SHAPE, family=fam)
    cine_ms = (time.perf_counter() - start) * 1000.0 / (cines * args.cine)
    reference = _times_ms(_reference, args.frames)
    result = {
        "family": fam,
        "single_frame_median_ms": statistics.median(single),
        "single_frames_per_s": 1000.0 / statistics.mean(single),
        "single_frame_p95_ms": float(np.percentile(single, 95)),
        "cine_frame_mean_ms": cine_ms,
        "reference_median_ms": statistics.median(reference),
        "target_ms": 60.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:24s} {value:>8}" if isinstance(value, str) else f"{key:24s} {value:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
