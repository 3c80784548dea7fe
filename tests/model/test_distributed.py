"""Training on several processes (gloo on the CPU): a step of 2 ranks is a step of 1 on the same
batch; `train --devices 2` ends with one run, one checkpoint and one progress stream; a failing
rank surfaces as one error and leaves no process behind."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from synthetic_lv import ellipse_project, ellipse_samples

from core.store import Project
from model.cache import build_cache
from model.config import AugmentConfig, TrainConfig
from model.device import DeviceSetup
from model.distributed import RankFailed, check, launch, start_rank, train_on_devices
from model.trainer import Trainer, make_model

TINY = dict(size=64, coarse_size=64, fov_mm=120.0, epochs=1, seed=0)
# No augmentation and no dropout (the ranks draw their own), batch norm frozen (normalised per
# sample): a step is then the same function of the batch on one process or split over two.
STILL = AugmentConfig.still()
STEP = TrainConfig(**TINY, batch=4, coarse_batch=4, freeze_bn=True, augment=STILL)


def _one_step(trainer_class, setup: DeviceSetup) -> tuple[Trainer, float]:
    """A trainer on 4 ellipse frames after one step of the epoch's first (global) batch, and
    the loss that step reported."""
    cache = build_cache(ellipse_samples(4), size=64, coarse_size=64, fov_mm=120.0)
    model = make_model(STEP, setup, [])
    for module in model.modules():  # dropout draws differ between processes
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    trainer = trainer_class(STEP, setup, model, cache, cache, np.random.default_rng(0))
    return trainer, trainer.step(trainer.batches()[0])


def _grads(model) -> torch.Tensor:
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


def _params(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def _step_rank(channel, out_dir: str) -> None:
    """One rank of the equivalence test: one DDP step in fp32, then its results to a file."""
    ctx = start_rank(STEP, channel.rank, channel.world, channel.init_method)
    trainer, loss = _one_step(ctx.trainer, replace(ctx.setup, amp_dtype=None))
    result = {"loss": loss, "params": _params(trainer.model)}
    if channel.rank == 0:
        result["grads"] = _grads(trainer.model)
    torch.save(result, Path(out_dir) / f"rank{channel.rank}.pt")


@pytest.mark.slow  # two processes, each with a ResNet50
def test_a_step_on_two_processes_equals_a_step_on_one(tmp_path):
    launch(_step_rank, 2, (str(tmp_path),))
    rank0, rank1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    one, loss = _one_step(Trainer, DeviceSetup(torch.device("cpu"), None))
    grads, ref = rank0["grads"], _grads(one.model)
    assert grads.shape == ref.shape
    # The ranks' averaged gradient is the whole batch's, to float error (sums in another order).
    assert (grads - ref).abs().max() <= 1e-4 * ref.abs().max()
    assert rank0["loss"] == pytest.approx(loss, rel=1e-5)
    assert rank1["loss"] == rank0["loss"]  # every rank reports the global batch's loss
    assert torch.equal(rank0["params"], rank1["params"])  # the ranks stay in step exactly
    # AdamW's first step moves a weight by about lr * sign(g): where |g| is within the gradients'
    # float noise (the largest difference seen) or below eps, that noise may flip the sign and the
    # step (a few of 25 million weights); everywhere else the step is the same.
    moved = (rank0["params"] - _params(one.model)).abs()
    assert moved.shape == ref.shape
    noise = float((grads - ref).abs().max())
    steady = ref.abs() > max(one.optimizer.defaults["eps"], 10 * noise)
    covered = float(steady.float().mean())
    assert covered > 0.02, covered  # hundreds of thousands of weights (8 % in one run)
    assert moved[steady].max() <= 1e-6


def _fail_on_rank_1(channel) -> None:
    import torch.distributed as torch_dist

    channel.emit({"event": "pid", "pid": os.getpid()})
    torch_dist.init_process_group(
        "gloo", init_method=channel.init_method, rank=channel.rank, world_size=channel.world
    )
    if channel.rank == 1:
        raise ValueError("rank 1 broke")
    torch_dist.barrier()  # rank 0 waits for a peer that is gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow  # starts two processes
def test_a_failing_rank_is_one_clear_error_and_no_process_stays():
    seen: list[dict] = []
    with pytest.raises(RankFailed, match=r"^process 1 of 2 failed: ValueError: rank 1 broke$"):
        launch(_fail_on_rank_1, 2, (), progress=seen.append)
    pids = [e["pid"] for e in seen]
    assert len(pids) == 2 and not any(_alive(pid) for pid in pids)


def test_check_refuses_what_the_ranks_cannot_share():
    check(TrainConfig(devices=1, batch=3, device="cuda:1"))  # one device: nothing to check
    with pytest.raises(ValueError, match=r"--batch \(6\) must be a multiple of --devices \(4\)"):
        check(TrainConfig(devices=4, batch=6, device="cpu"))
    with pytest.raises(ValueError, match="--coarse-size equal to --size"):
        check(TrainConfig(devices=2, device="cpu", coarse_size=96))
    with pytest.raises(ValueError, match="give --device cuda or auto"):
        check(TrainConfig(devices=2, device="cuda:1"))


def _processes_with(marker: str) -> list[int]:
    """Live processes whose environment holds marker (ranks inherit the command's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


CLI_TINY = ["--size", "64", "--coarse-size", "64", "--fov-mm", "120", "--batch", "4"]


@pytest.mark.slow  # the command, two ranks, each a ResNet50
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds processes in /proc")
def test_train_on_two_cpu_processes_records_one_run_and_one_progress_stream(tmp_path):
    path = ellipse_project(tmp_path / "p.sphericity")
    marker = f"SPHERICITY_TEST_RANKS={tmp_path.name}"
    env = {**os.environ, "SPHERICITY_TEST_RANKS": tmp_path.name, "TORCH_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "app.cli.main", "train", str(path), *CLI_TINY]
    args = ["--epochs", "1", "--devices", "2", "--device", "cpu", "--progress", "jsonl"]
    done = subprocess.run(command + args, env=env, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.count("start") == 1 and kinds[-1] == "done" and kinds.count("done") == 1
    steps = [e["step"] for e in events if e["event"] == "batch"]
    assert steps == sorted(set(steps)) and steps[-1] == events[0]["total_steps"]  # one rank's
    assert _processes_with(marker) == []  # no rank outlived the command
    with Project.open(path) as project:
        (run,) = project.runs()
    assert run.status == "done" and run.config["devices"] == 2
    assert run.device.startswith("2 x cpu")
    assert sorted(p.name for p in Path(f"{path}.runs").iterdir()) == [f"run-{run.id}.pt"]


@pytest.mark.slow  # two ranks, each a ResNet50
def test_a_cancel_reaches_every_rank_and_keeps_a_checkpoint(tmp_path):
    path = ellipse_project(tmp_path / "p.sphericity")
    config = TrainConfig(**{**TINY, "epochs": 3}, batch=4, devices=2, device="cpu")
    events: list[dict] = []
    last = train_on_devices(config, str(path), progress=events.append, cancel=lambda: True)
    assert last["event"] == "cancelled" and last["checkpoint"]
    assert sum(e["event"] == "batch" for e in events) == 1  # the ranks stopped together
    with Project.open(path) as project:
        (run,) = project.runs()
    assert run.status == "cancelled" and run.checkpoint_path
