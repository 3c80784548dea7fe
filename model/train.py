"""train(config, *, progress, cancel): data, run row, the loop, validation, atomic checkpoints."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from core.store import Project
from model.cache import build_cache
from model.checkpoint import load_checkpoint, save_checkpoint
from model.config import TrainConfig
from model.data import data_snapshot, labelled_readings, load_samples
from model.device import choose_device
from model.finetune import (
    adapt_image_ids,
    finetune_image_ids,
    project_frames,
    replay_image_ids,
    resolve_parent,
)
from model.ood import summary
from model.progress import progress_event
from model.trainer import Trainer, make_model
from model.validate import validate

if TYPE_CHECKING:
    from model.distributed import RankContext

Progress = Callable[[dict], None]
BATCH_EVENT_INTERVAL_S = 0.1  # at most ten batch events a second
# With fewer validation frames the best epoch is chance: the last epoch's weights are kept.
MIN_VAL_TO_CHOOSE = 20


@dataclass
class TrainResult:
    """How a run ended."""

    run_id: int
    status: Literal["done", "cancelled"]
    checkpoint_path: Path | None
    metrics: dict


def train(
    config: TrainConfig,
    project: Project,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    dist: RankContext | None = None,
) -> TrainResult:
    """Train on the project's labelled images; record the run; return how it ended.

    With `init` a run, fine-tune it (its weights and preprocessing; the phantoms it learned
    from are left out); with `adapt`, batch norm is re-estimated on the project's frames that
    the lineage did not learn from (before fine-tuning, or after training from scratch).

    progress receives event dicts ("start", "epoch", "batch", "val", "done", "cancelled",
    "error"); cancel() is polled after every batch: the batch finishes, the checkpoint is
    saved and the run ends "cancelled". An exception marks the run "error" and propagates.

    dist: this process is rank 0 of several (model.distributed); the others follow it.
    """
    emit = progress or (lambda event: None)
    should_stop = cancel or (lambda: False)
    run_id = None
    try:
        setup = dist.setup if dist else choose_device(config.device, threads=config.threads)
        config, parent_state, parent_meta = resolve_parent(config, project)
        samples = _training_samples(config, project, parent_meta)
        snapshot = data_snapshot(samples, config.include_submitted)
        if config.adapt:
            lineage = _lineage(parent_meta) if parent_meta else snapshot
            ids = adapt_image_ids(project, lineage, config.seed)
            adapted = {"image_ids": ids, "n_images": len(ids), "readings_used": False}
            config = replace(config, adapted_to=adapted)
        run_id = project.add_run(config.to_dict(), device=setup.describe(), data_snapshot=snapshot)
        return _train_run(
            config, project, run_id, setup, samples, snapshot, emit, should_stop, parent_state, dist
        )
    except BaseException as exc:
        message = f"{exc.__class__.__name__}: {exc}"
        if run_id is not None:
            project.update_run(run_id, status="error", metrics={"error": message})
        emit(progress_event("error", run_id=run_id, message=message))
        raise


def _training_samples(config: TrainConfig, project: Project, parent_meta: dict | None) -> list:
    load = partial(
        load_samples, project, include_submitted=config.include_submitted, seed=config.seed
    )
    if parent_meta is None:
        samples = load()
    else:
        samples = _finetune_samples(config, project, _lineage(parent_meta), load)
    if config.source:
        samples = [s for s in samples if s.source == config.source]
    if config.max_images:
        samples = samples[: config.max_images]
    if not any(s.split == "train" for s in samples):
        raise ValueError("the project has no labelled training images (approved readings)")
    return samples


def _finetune_samples(config: TrainConfig, project: Project, lineage: dict, load) -> list:
    """A fine-tune's samples: the readings its lineage did not learn from, and with `replay`
    a share of the lineage's training phantoms (they keep their split: training only)."""
    labelled = labelled_readings(project, config.include_submitted)
    ids = finetune_image_ids(project, sorted(labelled), lineage)
    samples = load(image_ids=ids)
    n_new = sum(s.split == "train" for s in samples)
    replay = replay_image_ids(lineage, labelled, ids, n_new, config.replay, config.seed)
    return (
        samples + [s for s in load(image_ids=replay) if s.split == "train"] if replay else samples
    )


def _lineage(parent_meta: dict) -> dict:
    """What the parent's lineage learned from (model.finetune.lineage_snapshot)."""
    return parent_meta.get("lineage_snapshot") or parent_meta["data_snapshot"]


def _train_run(
    config, project, run_id, setup, samples, snapshot, emit, should_stop, parent_state, dist
) -> TrainResult:
    from core.runs import checkpoint_name, publish_checkpoint, runs_dir

    started = time.perf_counter()
    notes: list[str] = []
    model = make_model(config, setup, notes, parent_state)
    if config.adapt and config.finetuning():
        _adapt(model, config, setup, project, notes)
    cache_args = {"size": config.size, "coarse_size": config.coarse_size, "fov_mm": config.fov_mm}
    train_set = build_cache([s for s in samples if s.split == "train"], **cache_args)
    val_set = build_cache([s for s in samples if s.split == "val"], **cache_args)
    trainer = (dist.trainer if dist else Trainer)(
        config, setup, model, train_set, val_set, np.random.default_rng(config.seed)
    )
    project.update_run(run_id, status="running")
    ckpt = runs_dir(project) / checkpoint_name(run_id)
    emit(
        progress_event(
            "start",
            run_id=run_id,
            device=setup.describe(),
            notes=notes,
            n_train=len(train_set),
            n_val=len(val_set),
            epochs=config.epochs,
            total_steps=trainer.total_steps,
            checkpoint=str(ckpt),
        )
    )
    for note in notes:
        print(note, file=sys.stderr)
    loop = _Loop(trainer, emit, should_stop, snapshot, ckpt, config)
    if dist is not None:
        loop.agree = dist.agree
    if config.parent_run_id is not None and not len(val_set):
        from core.model_si import run_si_kind

        # Nothing to validate on: the parent's better estimate stays the model SI.
        loop.fallback_kind = run_si_kind(project.run(config.parent_run_id))
    status = loop.run()
    metrics = loop.final_metrics()
    if ckpt.exists() and status == "done":  # a cancel stays prompt
        metrics["feature_stats"] = _finish_checkpoint(ckpt, config, setup, project, samples, notes)
    duration_s = time.perf_counter() - started
    saved = ckpt if ckpt.exists() else None
    if saved is not None:  # before the run is marked done: every client then finds its file
        saved = publish_checkpoint(project, run_id, saved)
    project.update_run(
        run_id,
        status=status,
        metrics=metrics,
        duration_s=duration_s,
        # Relative to the runs folder: the project folder may be moved or copied with it.
        checkpoint_path=checkpoint_name(run_id) if saved else None,
        model_si_kind=metrics.get("model_si_kind"),
    )
    emit(
        progress_event(
            status,
            run_id=run_id,
            duration_s=round(duration_s, 1),
            checkpoint=str(saved) if saved else None,
            metrics=metrics,
        )
    )
    return TrainResult(run_id, status, saved, metrics)


class _Loop:
    """Epochs, throttled progress, early stopping, best-so-far checkpoint, cancel."""

    def __init__(self, trainer, emit, should_stop, snapshot, ckpt, config) -> None:
        self.t, self.emit, self.should_stop = trainer, emit, should_stop
        self.snapshot, self.ckpt, self.config = snapshot, ckpt, config
        self.best: dict | None = None
        self.fallback_kind: str | None = None  # model SI estimate when nothing validates
        self.history: list[dict] = []
        self.step = 0
        self.last_event = 0.0
        self.started = time.perf_counter()
        # Whether to stop after an epoch; with several processes, all of them hear rank 0's call.
        self.agree: Callable[[bool], bool] = lambda stop: stop

    def run(self) -> Literal["done", "cancelled"]:
        stale = 0
        for epoch in range(1, self.config.epochs + 1):
            self.emit(
                progress_event(
                    "epoch",
                    epoch=epoch,
                    epochs=self.config.epochs,
                    step=self.step,
                    total_steps=self.t.total_steps,
                )
            )
            losses, cancelled = self._epoch(epoch)
            val = validate(self.t.model, self.t.setup, self.t.val_set, self.config)
            val.update(epoch=epoch, loss=float(np.mean(losses)) if losses else math.nan)
            self.history.append(val)
            self.emit(progress_event("val", step=self.step, total_steps=self.t.total_steps, **val))
            if self._improved(val):
                self.best, stale = val, 0
                self._save()
            else:
                stale += 1
            if cancelled:
                if not self.ckpt.exists():
                    self._save()
                return "cancelled"
            if self.agree(bool(self.config.patience and stale >= self.config.patience)):
                break
        if not self.ckpt.exists():
            self._save()
        return "done"

    def _epoch(self, epoch: int) -> tuple[list[float], bool]:
        losses = []
        for idx in self.t.batches():
            losses.append(self.t.step(idx))
            self.step += 1
            self._batch_event(epoch, losses[-1], len(idx))
            if self.should_stop():
                return losses, True
        return losses, False

    def _batch_event(self, epoch: int, loss: float, n: int) -> None:
        now = time.perf_counter()
        if now - self.last_event < BATCH_EVENT_INTERVAL_S and self.step < self.t.total_steps:
            return
        self.last_event = now
        elapsed = now - self.started
        per_step = elapsed / self.step
        self.emit(
            progress_event(
                "batch",
                epoch=epoch,
                step=self.step,
                total_steps=self.t.total_steps,
                loss=round(loss, 5),
                eta_s=round(per_step * (self.t.total_steps - self.step), 1),
                images_per_s=round(self.config.batch / per_step, 2),
            )
        )

    def _improved(self, val: dict) -> bool:
        if len(self.t.val_set) < MIN_VAL_TO_CHOOSE:
            return True  # too few frames to choose an epoch by: keep the latest
        key = _score(val)
        return self.best is None or key < _score(self.best)

    def _save(self) -> None:
        metrics = self.final_metrics()
        save_checkpoint(
            self.ckpt,
            self.t.model,
            config=self.config.to_dict(),
            data_snapshot=self.snapshot,
            metrics=metrics,
            extra={"model_si_kind": metrics.get("model_si_kind")},
        )

    def final_metrics(self) -> dict:
        best = self.best or (self.history[-1] if self.history else {})
        return {
            **best,
            "model_si_kind": _si_kind(best)
            if "val_loss" in best or not self.fallback_kind
            else self.fallback_kind,
            "epochs_run": len(self.history),
            "history": self.history,
            "steps": self.step,
        }


def _score(val: dict) -> float:
    """Lower is better: the best SI MSE of the two estimates, else the validation loss."""
    mses = [
        v
        for v in (val.get("val_mse_regression"), val.get("val_mse_landmarks"))
        if v is not None and math.isfinite(v)
    ]
    return min(mses) if mses else val.get("val_loss", math.inf)


def _si_kind(val: dict) -> str:
    """ "regression" or "landmarks": the SI estimate with the lower validation MSE."""
    reg = val.get("val_mse_regression", math.inf)
    lm = val.get("val_mse_landmarks", math.inf)
    lm = lm if lm is not None and math.isfinite(lm) else math.inf
    return "landmarks" if lm < reg else "regression"


def _adapt(model, config: TrainConfig, setup, project, notes: list[str]) -> None:
    from model.adapt import adapt_batch_norm

    ids = (config.adapted_to or {}).get("image_ids") or []
    if not ids:
        notes.append("adapt: the project has no frames outside what the model learned from")
        return
    adapt_batch_norm(model, config, setup, project_frames(project, ids))
    notes.append(f"batch norm adapted to {len(ids)} of the project's frames (no readings used)")


def _finish_checkpoint(ckpt: Path, config, setup, project, samples, notes: list[str]) -> dict:
    """The kept checkpoint gets its batch norm adapted (runs from scratch with `adapt`) and
    the feature statistics of its training frames (model.ood), written atomically again."""
    from model.finetune import run_feature_stats
    from model.infer import Predictor

    model, meta = load_checkpoint(ckpt)
    model = model.to(setup.device)
    if config.adapt and not config.finetuning():
        _adapt(model, config, setup, project, notes)
    train = [(s.pixels, s.spacing) for s in samples if s.split == "train"]
    val = [(s.pixels, s.spacing) for s in samples if s.split == "val"]
    stats = run_feature_stats(Predictor(model, config, setup), train, val, config.seed)
    payload = {k: v for k, v in meta.items() if k not in ("format", "code_version")}
    save_checkpoint(
        ckpt,
        model,
        config=payload.pop("config"),
        data_snapshot=payload.pop("data_snapshot"),
        metrics=payload.pop("metrics"),
        extra={**payload, "feature_stats": stats},
    )
    return summary(stats)
