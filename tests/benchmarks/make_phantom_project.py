"""Build a phantom project quickly (one series per phantom, truth as approved readings).

Used by gpu_bench.sh where `sphericity generate` is missing; runs the generator in parallel.
usage: python tests/benchmarks/make_phantom_project.py PROJECT N [SEED]
"""

import sys
from multiprocessing import Pool

from core.geometry import GeometryError
from core.phantom.generate import generate_frame
from core.store import Project


def _frame(seed: int):
    try:
        return seed, generate_frame(seed)
    except GeometryError as exc:  # a phantom the generator could not label: skip it
        print(f"skipped seed {seed}: {exc}", file=sys.stderr)
        return seed, None


def main(path: str, n: int, seed: int = 0) -> None:
    with Pool() as pool:
        frames = pool.map(_frame, range(seed, seed + n), chunksize=8)
    with Project.create(path) as project, project.transaction() as repo:
        reader = repo.ensure_annotator("phantom", role="reviewer")
        for s, f in frames:
            if f is None:
                continue
            series = repo.add_series(f"phantom-{s}", source="synthetic")
            image, _ = repo.add_image(
                series, f.pixels, frame_index=0, spacing=f.spacing, source="synthetic", is_ed=True
            )
            repo.save_reading(image, reader, f.landmarks, status="approved")
    print(f"{path}: {sum(f is not None for _, f in frames)} phantoms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
