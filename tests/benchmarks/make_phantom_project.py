"""Build a phantom project quickly (one series per phantom, truth as approved readings).

Used by gpu_bench.sh where `sphericity generate` is missing; runs the generator in parallel.
usage: python tests/benchmarks/make_phantom_project.py PROJECT N [SEED] [--family base|shifted]
"""

import argparse
import sys
from functools import partial
from multiprocessing import Pool

from core.geometry import GeometryError
from core.phantom.family import FAMILIES
from core.phantom.generate import generate_frame
from core.phantom.output import PhantomSeries
from core.store import Project


def _frame(seed: int, family: str = "base"):
    try:
        return seed, generate_frame(seed, family=family)
    except GeometryError as exc:  # a phantom the generator could not label: skip it
        print(f"skipped seed {seed}: {exc}", file=sys.stderr)
        return seed, None


def main(path: str, n: int, seed: int = 0, family: str = "base") -> None:
    with Pool() as pool:
        frames = pool.map(partial(_frame, family=family), range(seed, seed + n), chunksize=8)
    with Project.create(path) as project, project.transaction() as repo:
        reader = repo.ensure_annotator("phantom", role="reviewer")
        for s, f in frames:
            if f is None:
                continue
            key = PhantomSeries(s, [f], 0, None, None, family).key
            series = repo.add_series(key, source="synthetic")
            image, _ = repo.add_image(
                series, f.pixels, frame_index=0, spacing=f.spacing, source="synthetic", is_ed=True
            )
            repo.save_reading(image, reader, f.landmarks, status="approved")
    print(f"{path}: {sum(f is not None for _, f in frames)} {family} phantoms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project")
    parser.add_argument("n", type=int)
    parser.add_argument("seed", type=int, nargs="?", default=0)
    parser.add_argument("--family", choices=FAMILIES, default="base")
    args = parser.parse_args()
    main(args.project, args.n, args.seed, args.family)
