"""`sphericity bench`: our training path against a plain fp32 torchvision loop, prediction and
Grad-CAM speed, measured side by side in one process on the same frames.

train_data_share is the part of a training step spent preparing the batch (sampling and
augmenting the crops) rather than in forward, backward and the optimiser step.
"""

from __future__ import annotations

import io
import statistics
import time
from typing import Any

import numpy as np
import torch
import torchvision
from PIL import Image

from model.cache import build_cache
from model.config import TrainConfig
from model.data import Sample
from model.device import choose_device
from model.trainer import Trainer, make_model

PLAIN_SIZE = 224


def bench_samples(project_path: str | None, n: int, seed: int = 0) -> list[Sample]:
    """Labelled frames from a project, or generated phantoms when no project is given."""
    if project_path:
        from core.store import Project
        from model.data import load_samples

        with Project.open(project_path) as project:
            return load_samples(project)[:n]
    from core.phantom import generate_frame

    out = []
    for k in range(n):
        f = generate_frame(seed + k)
        out.append(
            Sample(
                k + 1, k + 1, f.pixels, f.spacing, f.landmarks, float(f.si), "train", "synthetic"
            )
        )
    return out


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class _PngFrames(torch.utils.data.Dataset):
    """The plain baseline's data: PNG bytes decoded with PIL and resized on every access."""

    def __init__(self, samples: list[Sample]) -> None:
        self.items = []
        for s in samples:
            arr = s.pixels.astype(np.float32)
            img = Image.fromarray(
                (255 * np.clip(arr / np.percentile(arr, 99.5), 0, 1)).astype(np.uint8)
            )
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            self.items.append((buf.getvalue(), s.si))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):
        data, si = self.items[i]
        img = (
            Image.open(io.BytesIO(data))
            .convert("RGB")
            .resize((PLAIN_SIZE, PLAIN_SIZE), Image.BILINEAR)
        )
        x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
        return (x - 0.45) / 0.25, torch.tensor(si, dtype=torch.float32)


def plain_train_images_per_s(samples, device: torch.device, steps: int, batch: int) -> float:
    """A plain fp32, NCHW torchvision ResNet50 regression loop with PIL decoding per item."""
    model = torchvision.models.resnet50(num_classes=1).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    loader = torch.utils.data.DataLoader(_PngFrames(samples), batch_size=batch, shuffle=True)

    def step(x, y):
        loss = torch.nn.functional.mse_loss(model(x.to(device)).squeeze(1), y.to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()

    return _time_loop(lambda: iter(loader), step, steps, device)


def _time_loop(make_iter, step, steps: int, device) -> float:
    """Images per second of `steps` calls of step(batch...) after one warm-up call."""
    it = make_iter()

    def next_batch():
        nonlocal it
        try:
            return next(it)
        except StopIteration:
            it = make_iter()
            return next(it)

    step(*next_batch())  # warm-up: kernel selection, allocator
    _sync(device)
    start = time.perf_counter()
    images = 0
    for _ in range(steps):
        args = next_batch()
        step(*args)
        images += len(args[0])  # the last batch of a small set can be short
    _sync(device)
    return images / (time.perf_counter() - start)


def our_train_images_per_s(
    samples, device: str, steps: int, size: int, batch: int
) -> tuple[float, float]:
    """Our training path (cached frames, bf16/AMP, channels-last, both passes) at `size`:
    (images/s, share of the step time spent preparing the batch, i.e. waiting for data).

    The two phases are timed apart (synchronised on CUDA), so the share is what a step would
    wait if preparation did not overlap the device's work.
    """
    cfg = TrainConfig(device=device, size=size, batch=batch, epochs=1)
    setup = choose_device(device)
    model = make_model(cfg, setup, [])
    cache = build_cache(samples, size=cfg.size, coarse_size=cfg.coarse_size, fov_mm=cfg.fov_mm)
    trainer = Trainer(cfg, setup, model, cache, cache, np.random.default_rng(0))
    n = len(cache)
    rng = np.random.default_rng(1)
    trainer.step(rng.choice(n, size=batch, replace=n < batch))  # warm-up
    _sync(setup.device)
    prepare_s = optimise_s = 0.0
    for _ in range(steps):
        start = time.perf_counter()
        prepared = trainer.prepare(rng.choice(n, size=batch, replace=n < batch))
        _sync(setup.device)
        mid = time.perf_counter()
        trainer.optimise(prepared)
        _sync(setup.device)
        prepare_s, optimise_s = prepare_s + mid - start, optimise_s + time.perf_counter() - mid
    return steps * batch / (prepare_s + optimise_s), prepare_s / (prepare_s + optimise_s)


def predict_and_cam(samples, device: str) -> tuple[float, float, int]:
    """(prediction images/s, median Grad-CAM ms of one frame, frames predicted at once) of an
    untrained model."""
    from model.gradcam import GradCam
    from model.infer import Predictor

    cfg = TrainConfig(device=device)
    setup = choose_device(device)
    predictor = Predictor(make_model(cfg, setup, []), cfg, setup)
    frames = [(s.pixels, s.spacing) for s in samples]
    predictor.predict(frames[:8])
    start = time.perf_counter()
    predictor.predict(frames)
    _sync(setup.device)
    ips = len(frames) / (time.perf_counter() - start)
    cam = GradCam(predictor)
    cam.map(*frames[0])
    times = []
    for f in frames[1:6]:
        t = time.perf_counter()
        cam.map(*f)
        _sync(setup.device)
        times.append(1000 * (time.perf_counter() - t))
    return ips, statistics.median(times), predictor.chunk()


def run_bench(
    project_path: str | None = None,
    *,
    device: str = "auto",
    steps: int = 4,
    n_images: int = 64,
    batch: int = 16,
) -> dict:
    """All figures of `sphericity bench` (images/s, ms), measured in this process."""
    setup = choose_device(device)
    samples = bench_samples(project_path, n_images)
    default = TrainConfig()
    figures: dict[str, Any] = {
        "device": setup.describe(),
        "cpu_threads": torch.get_num_threads(),
        "frames": len(samples),
        "batch": batch,
        "steps": steps,
    }
    figures["plain_train_images_per_s"] = plain_train_images_per_s(
        samples, setup.device, steps, batch
    )
    figures["train_images_per_s_224"], figures["train_data_share_224"] = our_train_images_per_s(
        samples, device, steps, PLAIN_SIZE, batch
    )
    figures["train_images_per_s"], figures["train_data_share"] = our_train_images_per_s(
        samples, device, steps, default.size, batch
    )
    figures["train_speedup_vs_plain"] = (
        figures["train_images_per_s"] / figures["plain_train_images_per_s"]
    )
    figures["train_speedup_vs_plain_224"] = (
        figures["train_images_per_s_224"] / figures["plain_train_images_per_s"]
    )
    ips, cam_ms, chunk = predict_and_cam(samples, device)
    figures.update(predict_images_per_s=ips, predict_chunk=chunk, gradcam_ms=cam_ms)
    return {
        k: round(v, 3 if "share" in k else 2) if isinstance(v, float) else v
        for k, v in figures.items()
    }
