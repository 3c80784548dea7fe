"""Adaptation without readings: batch-norm statistics re-estimated on a project's frames (AdaBN).

Every batch norm's running mean and variance are recomputed from the project's own frames,
as the model meets them: whole frames (the localising pass) and fine crops placed by the
model's own landmarks, in the mixture the trainer uses. No label is read; the weights stay.
"""

from __future__ import annotations

import time
from dataclasses import replace

import torch

from model.config import TrainConfig
from model.device import DeviceSetup
from model.network import SIModel
from model.preprocess import (
    frame_tensor,
    landmarks_array,
    upright_matrix,
    warp,
    whole_frame_matrix,
)

ROUNDS = 2  # the fine crops are placed again by the adapted model (on new frames the first
# placement, by the unadapted model, is the rougher one)


def _batch_norms(model) -> list[torch.nn.modules.batchnorm._BatchNorm]:
    return [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def _inputs(model, config: TrainConfig, setup: DeviceSetup, frames) -> tuple:
    """(fine crops, whole frames) of the frames, the crops placed by the model's prediction."""
    from model.infer import Predictor

    preds = Predictor(model, config, setup).predict(frames)  # it predicts with a folded copy
    mm_per_px = config.fov_mm / config.size
    fine, coarse = [], []
    for (pixels, spacing), pred in zip(frames, preds, strict=True):
        img = frame_tensor(pixels)
        pts = landmarks_array(pred.landmarks)
        m_fine = upright_matrix(pts, spacing, mm_per_px, config.size)
        m_coarse = whole_frame_matrix(pixels.shape[:2], spacing, config.coarse_size)
        fine.append(warp(img, torch.from_numpy(m_fine)[None], config.size)[0])
        coarse.append(warp(img, torch.from_numpy(m_coarse)[None], config.coarse_size)[0])
    return torch.stack(fine), torch.stack(coarse)


@torch.no_grad()
def _reestimate(model, config: TrainConfig, setup: DeviceSetup, fine, coarse) -> None:
    """Running statistics as the plain average over batches mixing crops and whole frames."""
    norms = _batch_norms(model)
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over all batches
    model.train()
    n_fine, n_coarse = config.batch, config.coarse_batch
    for k, start in enumerate(range(0, len(fine), n_fine)):
        batch = fine[start : start + n_fine]
        if coarse.shape[-1] == batch.shape[-1]:
            pick = [(k * n_coarse + j) % len(coarse) for j in range(n_coarse)]
            batch = torch.cat([batch, coarse[pick]])
        model(setup.to_input(batch.to(setup.device)))
    if coarse.shape[-1] != fine.shape[-1]:
        for start in range(0, len(coarse), n_fine):
            model(setup.to_input(coarse[start : start + n_fine].to(setup.device)))
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum
    model.eval()


def adapt_batch_norm(model, config: TrainConfig, setup: DeviceSetup, frames) -> None:
    """Re-estimate the model's batch-norm statistics on (pixels, spacing) frames, in place."""
    if not frames:
        raise ValueError("no frames to adapt to")
    for _ in range(ROUNDS):
        fine, coarse = _inputs(model, config, setup, frames)
        _reestimate(model, config, setup, fine, coarse)


def adapt_run(project, spec: str | int, *, device: str = "auto", progress=None) -> int:
    """A new run: run `spec`'s model with batch norm adapted to the project's frames that its
    lineage did not learn from; returns the new run's id. Its config names the parent and
    what it adapted to (image ids, count; no readings used)."""
    from core.runs import checkpoint_name, publish_checkpoint, runs_dir
    from model.checkpoint import save_checkpoint
    from model.device import choose_device
    from model.finetune import adapt_image_ids, project_frames, resolve_parent
    from model.ood import summary

    emit = progress or (lambda event: None)
    started = time.perf_counter()
    setup = choose_device(device)
    config, state, meta = resolve_parent(TrainConfig(init=str(spec)), project)
    if state is None or meta is None:
        raise ValueError(f"{spec!r} is not a run to adapt")
    parent = project.run(config.parent_run_id)
    model = SIModel()
    model.load_state_dict(state)
    parent_config = TrainConfig.from_dict(meta["config"])
    lineage = meta.get("lineage_snapshot") or meta["data_snapshot"]
    ids = adapt_image_ids(project, lineage, parent_config.seed)
    adapted_to = {"image_ids": ids, "n_images": len(ids), "readings_used": False}
    config = replace(
        parent_config,
        init=str(parent.id),
        parent_run_id=parent.id,
        adapt=True,
        adapted_to=adapted_to,
    )
    snapshot = dict(meta["data_snapshot"])
    run_id = project.add_run(config.to_dict(), device=setup.describe(), data_snapshot=snapshot)
    emit({"event": "adapting", "run_id": run_id, "n_images": len(ids), "device": setup.describe()})
    model = model.to(setup.device)
    adapt_batch_norm(model, config, setup, project_frames(project, ids))
    stats = _lineage_feature_stats(model, config, setup, project, snapshot)
    # The parent's validation figures are not this run's: only what it is and what it saw.
    metrics = {
        "model_si_kind": meta.get("model_si_kind"),
        "adapted_to": {"n_images": len(ids)},
        "feature_stats": summary(stats),
    }
    path = runs_dir(project) / checkpoint_name(run_id)
    save_checkpoint(
        path,
        model,
        config=config.to_dict(),
        data_snapshot=snapshot,
        metrics=metrics,
        extra={"model_si_kind": meta.get("model_si_kind"), "feature_stats": stats},
    )
    path = publish_checkpoint(project, run_id, path)  # every client of the project finds it
    duration_s = time.perf_counter() - started
    project.update_run(
        run_id,
        status="done",
        metrics=metrics,
        duration_s=duration_s,
        checkpoint_path=checkpoint_name(run_id),  # relative to the runs folder (core.runs)
        model_si_kind=meta.get("model_si_kind"),
    )
    emit(
        {
            "event": "done",
            "run_id": run_id,
            "duration_s": round(duration_s, 1),
            "checkpoint": str(path),
        }
    )
    return run_id


def _lineage_feature_stats(model, config, setup, project, snapshot):
    """Feature statistics of the adapted model on the lineage's training frames still in the
    project (None when they are not: the distance flag then stays silent)."""
    from core.store import ImageFilter
    from model.finetune import learned_ids, project_frames, run_feature_stats
    from model.infer import Predictor

    train_ids = sorted(learned_ids(snapshot, ("train",)))
    val_ids = sorted(learned_ids(snapshot, ("val",)))
    present = {
        i.id for i in project.list_images(ImageFilter(image_ids=train_ids + val_ids), limit=None)
    }
    train_ids = [i for i in train_ids if i in present]
    val_ids = [i for i in val_ids if i in present]
    if not train_ids:
        return None
    predictor = Predictor(model, config, setup)
    return run_feature_stats(
        predictor, project_frames(project, train_ids), project_frames(project, val_ids)
    )
