"""Measurement: hinge error of core.masks on random synthetic label maps of every valve layout.

Usage: python tests/benchmarks/bench_mask_hinges.py [--draws 120] [--seeds 0,1,2,3]

Per layout (tests/core/importer/mask_layouts.py) and seed, `draws` maps with random turn, mirror,
pixel spacing (1.2-1.9 mm per axis, isotropic on every other draw), cavity size, valve level,
wall thickness, atrium width and sliver gap; prints the largest distance in pixels of a found
hinge from the drawn one: maximum, 95th percentile, median and how many exceed 1 px. The ranges
are those of the hypothesis test in tests/core/importer/test_masks_layouts.py.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run from a source checkout
sys.path.insert(0, str(ROOT / "tests" / "core" / "importer"))

from mask_layouts import LA, LAYOUTS, WITH_ATRIUM, draw_heart  # noqa: E402

from core.geometry import Spacing  # noqa: E402
from core.masks import landmarks_from_mask  # noqa: E402


def hinge_error_px(found, hinges) -> float:
    a, b = hinges
    straight = max(math.dist(found.hinge_a, a), math.dist(found.hinge_b, b))
    crossed = max(math.dist(found.hinge_a, b), math.dist(found.hinge_b, a))
    return min(straight, crossed)


def draw(rng: np.random.Generator, layout: str, isotropic: bool):
    mm = rng.uniform(1.2, 1.9, 2)
    spacing = Spacing(mm[0], mm[0]) if isotropic else Spacing(mm[0], mm[1])
    return draw_heart(
        layout,
        spacing=spacing,
        angle_deg=rng.uniform(0, 360),
        mirror=bool(rng.integers(2)),
        across_mm=rng.uniform(20, 27),
        along_mm=rng.uniform(45, 55),
        base_frac=rng.uniform(0.5, 0.7),
        wall_mm=rng.uniform(7, 11),
        atrium_frac=rng.uniform(1.0, 1.4),
        gap_px=rng.uniform(2, 3),
        gap_offset=rng.uniform(-0.5, 0.5),
        rv=bool(rng.integers(2)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=120)
    parser.add_argument("--seeds", default="0,1,2,3")
    args = parser.parse_args()
    errors: dict[str, list[float]] = {layout: [] for layout in LAYOUTS}
    for seed in (int(s) for s in args.seeds.split(",")):
        rng = np.random.default_rng(seed)
        for i in range(args.draws):
            for layout in LAYOUTS:
                heart = draw(rng, layout, isotropic=i % 2 == 0)
                la = LA if layout in WITH_ATRIUM else None
                found = landmarks_from_mask(heart.labels, heart.spacing, la=la)
                errors[layout].append(hinge_error_px(found, heart.hinges))
    every = np.concatenate([np.array(e) for e in errors.values()])
    for name, values in [*errors.items(), ("all", every)]:
        v = np.asarray(values)
        print(
            f"{name:7s} n {v.size:5d}  max {v.max():.2f}  p95 {np.percentile(v, 95):.2f}  "
            f"median {np.median(v):.2f}  over 1 px {(v > 1.0).sum()}"
        )


if __name__ == "__main__":
    main()
