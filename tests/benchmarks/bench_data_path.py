"""The data path alone, for before/after comparisons of one tree against another (issue 17).

Times, on generated phantoms: building the frame cache, preparing one training step's batches
(fine crops and whole frames, augmented), and prediction twice: with the untrained ResNet50
and with a trivial stand-in network, so the second figure is the data path and the
post-processing alone. Works against any tree that has model.cache/augment/infer (also
commits from before the batched path): run it with that tree first on the path.
usage: cd TREE && PYTHONPATH=. python /path/to/bench_data_path.py [--threads N] [--frames 64]
"""

import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

from model.augment import sample_batch
from model.bench import bench_samples
from model.cache import build_cache
from model.config import TrainConfig
from model.device import choose_device
from model.infer import Predictor
from model.network import HEATMAP_STRIDE
from model.trainer import Trainer, make_model


class StandIn(torch.nn.Module):
    """Outputs of the network's shapes from a pooled copy of the input: almost no compute."""

    def forward(self, x):
        p = torch.nn.functional.avg_pool2d(x.float(), HEATMAP_STRIDE)
        scale = torch.linspace(0.5, 1.5, 5).view(1, 5, 1, 1)
        return {
            "heatmaps": p.expand(-1, 5, -1, -1) * scale,
            "si": x.mean(dim=(1, 2, 3)),
            "features": p.flatten(1)[:, :64],
        }


def prepare_ms(trainer: Trainer, cache, cfg, n_steps: int = 30) -> tuple[float, float]:
    """(median, min) ms of one step's batch preparation."""
    rng = np.random.default_rng(1)

    def prepare(idx):
        if hasattr(trainer, "prepare"):  # the batched tree
            return trainer.prepare(idx)
        # Before: the first half of Trainer.step, as it was.
        sample_batch(
            cache.fine[idx],
            cache.fine_points[idx],
            cfg.size,
            cache.fine_mm_per_px,
            cfg.augment,
            trainer.rng,
            upright=True,
        )
        cidx = trainer.rng.choice(len(cache), size=cfg.coarse_batch, replace=False)
        sample_batch(
            cache.coarse[cidx],
            cache.coarse_points[cidx],
            cfg.coarse_size,
            400.0 / cfg.coarse_size,
            cfg.augment,
            trainer.rng,
        )

    n = len(cache)
    prepare(rng.choice(n, cfg.batch, replace=n < cfg.batch))
    times = []
    for _ in range(n_steps):
        start = time.perf_counter()
        prepare(rng.choice(n, cfg.batch, replace=n < cfg.batch))
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--frames", type=int, default=64)
    args = parser.parse_args()
    samples = bench_samples(None, args.frames)
    cfg = TrainConfig(device="cpu", epochs=1)
    setup = choose_device("cpu", threads=args.threads)
    out: dict = {"threads": torch.get_num_threads(), "load_before": os.getloadavg()}
    start = time.perf_counter()
    cache = build_cache(samples, size=cfg.size, coarse_size=cfg.coarse_size, fov_mm=cfg.fov_mm)
    out["build_cache_s"] = time.perf_counter() - start
    trainer = Trainer(
        cfg, setup, make_model(cfg, setup, []), cache, cache, np.random.default_rng(0)
    )
    out["prepare_ms_median"], out["prepare_ms_min"] = prepare_ms(trainer, cache, cfg)
    predictor = Predictor(make_model(cfg, setup, []), cfg, setup)
    frames = [(s.pixels, s.spacing) for s in samples]
    for name, model in (("stand_in", StandIn()), ("resnet", predictor.model)):
        predictor.model = model
        predictor.predict(frames[:8])
        start = time.perf_counter()
        predictor.predict(frames)
        out[f"predict_images_per_s_{name}"] = len(frames) / (time.perf_counter() - start)
    out["load_after"] = os.getloadavg()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
