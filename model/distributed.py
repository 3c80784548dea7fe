"""Training on several devices of one machine: one process per device, DistributedDataParallel.

`sphericity train PROJECT --devices N` starts N processes (N GPUs with NCCL; N CPU processes with
gloo, which is what tests and CI run). Each opens the project itself (database engines do not
survive a fork) and builds the same training set. Every rank draws the same seeded batches and
keeps its share of each (rank::N), so a step's global batch stays `batch` images; DDP averages
the ranks' gradients, so one step equals one step of one device on the whole batch (to float
error, with batch norm frozen; training batch norm normalises over each rank's share).

Rank 0 is the ordinary train(): it records the run, validates, writes the one checkpoint and
sends its progress events to the parent, the one process that prints them. The other ranks only
train. A failure in any rank ends them all and comes out as one error; no process outlives the
parent. Under `torchrun` each process is a rank already (see train_command).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue as queue_mod
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

from model.config import TrainConfig
from model.device import DeviceSetup, choose_device, cpu_cores
from model.trainer import Trainer

# After one process fails, the others get this long to fail on their own (rank 0 then records
# the error in the run row) before they are stopped.
GRACE_S = 10.0
POLL_S = 0.2


def check(config: TrainConfig) -> None:
    """ValueError unless `config` can train on config.devices processes."""
    n = config.devices
    if n == 1:
        return
    if config.device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"--devices {n} trains on cuda:0..{n - 1}: give --device cuda or auto")
    if config.batch % n:
        raise ValueError(f"--batch ({config.batch}) must be a multiple of --devices ({n})")
    if config.coarse_size != config.size:
        # Two forward passes before one backward pass are more than DDP follows.
        raise ValueError("--devices needs --coarse-size equal to --size")
    if _uses_cuda(config) and torch.cuda.device_count() < n:
        raise ValueError(f"--devices {n}: torch sees {torch.cuda.device_count()} CUDA devices")


def _uses_cuda(config: TrainConfig) -> bool:
    return config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())


@dataclass(frozen=True)
class RankSetup(DeviceSetup):
    """One rank's device, described with the number of processes that train together."""

    processes: int = 1

    def describe(self) -> str:
        # The run row holds 50 characters; the layout at the end matters least.
        return f"{self.processes} x {super().describe()}"[:50]


class DistributedTrainer(Trainer):
    """A Trainer whose steps are this rank's share of the global batch, gradients averaged."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.rank, self.world = torch_dist.get_rank(), torch_dist.get_world_size()
        # The same seed everywhere: every rank draws the same global batches ...
        self.shared_rng = self.rng
        # ... and its own augmentations and dropout.
        self.rng = np.random.default_rng([self.config.seed, self.rank])
        rank_seed = int(np.random.SeedSequence([self.config.seed, self.rank]).generate_state(1)[0])
        torch.manual_seed(rank_seed)
        # The batched augmentation draws from the trainer's torch generators: per rank too.
        self.gen = torch.Generator().manual_seed(rank_seed)
        if self.noise_gen is not None:
            self.noise_gen = torch.Generator(self.setup.device).manual_seed(rank_seed)
        cuda = self.setup.device.type == "cuda"
        self.ddp = DistributedDataParallel(
            self.model, device_ids=[self.setup.device.index] if cuda else None
        )

    @property
    def net(self) -> torch.nn.Module:
        return self.ddp

    def train_mode(self) -> None:
        self.ddp.train()
        super().train_mode()

    def batches(self):
        """This rank's share of each global batch of the epoch."""
        own, self.rng = self.rng, self.shared_rng
        try:
            whole = super().batches()
        finally:
            self.rng = own
        return [batch[self.rank :: self.world] for batch in whole]

    def coarse_indices(self) -> np.ndarray:
        """This rank's share of the step's whole frames: coarse_batch rounded up to a multiple
        of the ranks, so every rank has some (the shares weigh alike in DDP's average)."""
        n = len(self.train_set)
        per_rank = -(-self.config.coarse_batch // self.world)
        whole = self.shared_rng.choice(n, size=min(per_rank * self.world, n), replace=False)
        return whole[self.rank :: self.world]

    def step(self, idx) -> float:
        """One step of all ranks; returns the loss of the global batch (the ranks' mean)."""
        loss = torch.tensor([super().step(idx)], dtype=torch.float64, device=self.setup.device)
        torch_dist.all_reduce(loss)
        return float(loss.item()) / self.world


@dataclass(frozen=True)
class RankContext:
    """This process's place among those that train together, and their agreements."""

    rank: int
    world: int
    setup: RankSetup
    trainer = DistributedTrainer

    def any(self, flag: bool) -> bool:
        """True on every rank when `flag` is true on any (e.g. a cancel seen by one)."""
        t = torch.tensor([float(flag)], device=self.setup.device)
        torch_dist.all_reduce(t, op=torch_dist.ReduceOp.MAX)
        return bool(t.item())

    def agree(self, stop: bool) -> bool:
        """Rank 0's decision (e.g. an early stop after its validation), on every rank."""
        t = torch.tensor([float(stop)], device=self.setup.device)
        torch_dist.broadcast(t, src=0)
        return bool(t.item())


def start_rank(
    config: TrainConfig, rank: int, world: int, init_method: str, local_rank: int | None = None
) -> RankContext:
    """Join the process group (nccl on CUDA, gloo on the CPU) on this rank's device."""
    local = rank if local_rank is None else local_rank
    if _uses_cuda(config):
        torch.cuda.set_device(local)
        base = choose_device(f"cuda:{local}")
        backend = "nccl"
    else:  # the CPU's cores are shared out among the processes
        base = choose_device("cpu", threads=config.threads or max(1, cpu_cores() // world))
        backend = "gloo"
    torch_dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world)
    setup = RankSetup(base.device, base.amp_dtype, base.channels_last, processes=world)
    return RankContext(rank, world, setup)


def train_rank(ctx: RankContext, config: TrainConfig, project, emit, cancel) -> None:
    """Rank 0: train() (the run row, validation, checkpoint, progress); others: _follow()."""
    from model.train import train

    def should_stop() -> bool:
        return ctx.any(cancel())

    if ctx.rank == 0:
        train(config, project, progress=emit, cancel=should_stop, dist=ctx)
    else:
        _follow(ctx, config, project, should_stop)


def _follow(ctx: RankContext, config: TrainConfig, project, should_stop) -> None:
    """A rank other than 0: the same steps and agreements as rank 0's loop, nothing recorded."""
    from model.cache import build_cache
    from model.finetune import resolve_parent
    from model.train import _training_samples
    from model.trainer import make_model

    config, parent_state, parent_meta = resolve_parent(config, project)
    samples = _training_samples(config, project, parent_meta)
    model = make_model(config, ctx.setup, [], parent_state)
    cache_args: dict[str, Any] = {
        "size": config.size,
        "coarse_size": config.coarse_size,
        "fov_mm": config.fov_mm,
    }
    trainer = ctx.trainer(
        config,
        ctx.setup,
        model,
        build_cache([s for s in samples if s.split == "train"], **cache_args),
        build_cache([], **cache_args),  # rank 0 alone validates
        np.random.default_rng(config.seed),
    )
    for _epoch in range(config.epochs):
        for idx in trainer.batches():
            trainer.step(idx)
            if should_stop():
                return
        if ctx.agree(False):
            return


# ---- the parent: start the ranks, print rank 0's progress, watch for failures --------------


@dataclass
class _Channel:
    """What a child process gets from the parent: where to meet, where to report, when to stop."""

    rank: int
    world: int
    init_method: str
    messages: Any  # a multiprocessing queue: ("event", dict) or ("failed", rank, text)
    stop: Any  # a multiprocessing event: the parent's cancel

    def emit(self, event: dict) -> None:
        self.messages.put(("event", event))

    def cancelled(self) -> bool:
        return self.stop.is_set()


def _child(target: Callable, channel: _Channel, parent_pid: int, args: tuple) -> None:
    """A rank's process: dies with the parent; Ctrl-C is the parent's to handle (a cancel)."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if channel.rank == 0:  # a stop from the parent still marks the run (train() records errors)
        signal.signal(signal.SIGTERM, _stopped)
    try:
        target(channel, *args)
    except BaseException as exc:
        if os.environ.get("SPHERICITY_DEBUG"):
            import traceback

            traceback.print_exc()
        channel.messages.put(("failed", channel.rank, f"{type(exc).__name__}: {exc}"))
        sys.exit(1)
    finally:
        if torch_dist.is_initialized():
            torch_dist.destroy_process_group()


def _stopped(signum, frame) -> None:
    raise SystemExit("stopped by the training command (it ended, or another process failed)")


def _die_with_parent(parent_pid: int) -> None:
    """SIGTERM to this process when the parent dies (Linux), so no rank trains on as an orphan."""
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RankFailed(RuntimeError):
    """A training process failed; the message names it and says why."""


def launch(target: Callable, world: int, args: tuple, *, progress=None, cancel=None) -> list[dict]:
    """Run target(channel, *args) in `world` fresh processes; rank 0's events go to progress.

    Returns rank 0's events. cancel() is polled and passed on to the ranks (channel.cancelled).
    One failing process stops the others (after GRACE_S) and raises RankFailed with its error;
    every process has ended when this returns or raises.
    """
    ctx = mp.get_context("spawn")
    messages, stop = ctx.Queue(), ctx.Event()
    init_method = f"tcp://127.0.0.1:{free_port()}"
    procs = []
    for rank in range(world):
        channel = _Channel(rank, world, init_method, messages, stop)
        procs.append(
            ctx.Process(target=_child, args=(target, channel, os.getpid(), args), daemon=True)
        )
    for p in procs:
        p.start()
    try:
        return _supervise(procs, messages, stop, progress or (lambda e: None), cancel)
    finally:
        _end(procs)
        messages.close()


def _supervise(procs, messages, stop, progress, cancel) -> list[dict]:
    events: list[dict] = []
    failures: list[str] = []

    def take(message) -> None:
        if message[0] == "failed":
            failures.append(f"process {message[1]} of {len(procs)} failed: {message[2]}")
            return
        events.append(message[1])
        if message[1]["event"] != "error":  # the parent reports the one error
            progress(message[1])

    failed_at: float | None = None
    while True:
        for message in _drain(messages):
            take(message)
        if cancel is not None and cancel():
            stop.set()
        codes = [p.exitcode for p in procs]
        if failed_at is None and any(c not in (None, 0) for c in codes):
            failed_at = time.monotonic()
        if all(c is not None for c in codes) or (
            failed_at is not None and time.monotonic() - failed_at > GRACE_S
        ):
            break
    for message in _drain(messages, timeout_s=0):  # what came while the last exits were seen
        take(message)
    if failed_at is not None or failures:
        codes = [p.exitcode for p in procs]
        raise RankFailed(failures[0] if failures else f"a training process ended ({codes})")
    return events


def _drain(messages, timeout_s: float = POLL_S) -> list:
    out = []
    try:
        out.append(messages.get(timeout=timeout_s) if timeout_s else messages.get_nowait())
        while True:
            out.append(messages.get_nowait())
    except queue_mod.Empty:
        pass
    return out


def _end(procs) -> None:
    """Every process ends: asked first (SIGTERM), then killed."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + GRACE_S
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()


# ---- `sphericity train --devices N` and torchrun ---------------------------------------------


def _train_target(channel: _Channel, config: TrainConfig, project_url: str) -> None:
    from core.store import Project

    ctx = start_rank(config, channel.rank, channel.world, channel.init_method)
    with Project.open(project_url) as project:
        train_rank(ctx, config, project, channel.emit, channel.cancelled)


def train_on_devices(config: TrainConfig, project_url: str, *, progress=None, cancel=None) -> dict:
    """Train on config.devices processes; returns rank 0's last event ("done" or "cancelled").

    progress gets rank 0's events and, where any process fails, one "error" event; the run
    row is then marked "error" with that message and RankFailed raised.
    """
    from core.store import Project
    from model.progress import progress_event

    check(config)
    emit = progress or (lambda event: None)
    with Project.open(project_url):
        pass  # migrations run once, here, not in N processes at once; a bad path fails here
    events: list[dict] = []

    def forward(event: dict) -> None:
        events.append(event)
        emit(event)

    try:
        launch(
            _train_target, config.devices, (config, project_url), progress=forward, cancel=cancel
        )
    except RankFailed as exc:
        run_id = next((e["run_id"] for e in events if e.get("run_id") is not None), None)
        if run_id is not None:
            with Project.open(project_url) as project:
                if project.run(run_id).status not in ("done", "cancelled"):
                    project.update_run(run_id, status="error", metrics={"error": str(exc)})
        emit(progress_event("error", run_id=run_id, message=str(exc)))
        raise
    return events[-1]


def torchrun_world() -> int | None:
    """The number of processes torchrun started (this is one of them), None outside torchrun."""
    if "TORCHELASTIC_RUN_ID" not in os.environ or "WORLD_SIZE" not in os.environ:
        return None
    return int(os.environ["WORLD_SIZE"])


def train_command(config: TrainConfig, project_url: str, progress_kind: str) -> int:
    """`sphericity train` on several devices: start them, or be one of torchrun's processes."""
    from model.progress import CancelFlag, make_reporter

    world = torchrun_world()
    with CancelFlag() as cancel:
        if world is None:
            try:
                last = train_on_devices(
                    config, project_url, progress=make_reporter(progress_kind), cancel=cancel.is_set
                )
            except RankFailed:
                return 1  # the "error" event (and the run row) already say what happened
            return 0 if last["event"] in ("done", "cancelled") else 1
        return _torchrun_rank(config, project_url, progress_kind, world, cancel.is_set)


def _torchrun_rank(config, project_url, progress_kind, world, cancel) -> int:
    """One of torchrun's processes (it set RANK, LOCAL_RANK and MASTER_ADDR/PORT)."""
    from core.store import Project
    from model.progress import make_reporter

    if config.devices not in (1, world):
        raise ValueError(f"--devices {config.devices}, but torchrun started {world} processes")
    config = replace(config, devices=world)
    check(config)
    rank, local = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"])
    ctx = start_rank(config, rank, world, "env://", local_rank=local)
    emit = make_reporter(progress_kind) if rank == 0 else (lambda event: None)
    try:
        if rank == 0:
            Project.open(project_url).close()  # migrations run once, before the others open it
        torch_dist.barrier()
        with Project.open(project_url) as project:
            train_rank(ctx, config, project, emit, cancel)
    except Exception as exc:
        if rank != 0:  # rank 0's error event says it already
            print(f"sphericity train: process {rank} of {world} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        torch_dist.destroy_process_group()
    return 0
