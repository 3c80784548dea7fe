"""A run's lineage: the parent a fine-tune starts from, the data it keeps, the frames it adapts to.

A fine-tune (`init` a run) takes its parent's weights and preprocessing, and learns from the
project's readings except the phantoms its parent already learned from. Adaptation uses the
frames no ancestor learned from: the project's own unread (and read) frames.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np

from model.config import TrainConfig
from model.ood import MAX_FIT_FRAMES, fit_feature_stats

# The settings a fine-tune inherits from its parent: its input is prepared the same way.
PREPROCESSING = ("size", "coarse_size", "fov_mm", "fine_pose")
MAX_ADAPT_FRAMES = 1000  # a sample of larger projects is enough for batch-norm statistics


def resolve_parent(config: TrainConfig, project) -> tuple[TrainConfig, dict | None, dict | None]:
    """(config with parent_run_id and the parent's preprocessing, parent weights, parent
    checkpoint metadata); the config unchanged and (None, None) when `init` is not a run."""
    if not config.finetuning():
        return config, None, None
    from core.runs import checkpoint_file
    from model.checkpoint import load_checkpoint
    from model.predict import resolve_run

    parent = resolve_run(project, str(config.init))
    path = checkpoint_file(project, parent)  # stored relative to the runs folder
    if path is None:
        raise ValueError(f"run {parent.id} has no checkpoint")
    model, meta = load_checkpoint(path)
    parent_config = TrainConfig.from_dict(meta["config"])
    inherited = {k: getattr(parent_config, k) for k in PREPROCESSING}
    config = replace(config, parent_run_id=parent.id, **inherited)
    meta["data_snapshot"] = parent.data_snapshot or meta.get("data_snapshot") or {}
    meta["lineage_snapshot"] = lineage_snapshot(project.runs(), parent.id, meta["data_snapshot"])
    return config, model.state_dict(), meta


def lineage_snapshot(runs, run_id: int, own: dict | None = None) -> dict:
    """The training and validation image ids of a run and every ancestor (parent_run_id in each
    config): what the lineage learned from, so a fine-tune of a fine-tune leaves out the base
    run's phantoms too. `own` stands in for the run's snapshot when its row has none."""
    by_id = {r.id: r for r in runs}
    ids: dict[str, set[int]] = {"train": set(), "val": set()}
    visited: set[int] = set()
    current: int | None = run_id
    snapshot = own
    while current is not None and current not in visited:
        visited.add(current)
        run = by_id.get(current)
        if run is not None and run.data_snapshot:
            snapshot = run.data_snapshot
        for split in ids:
            ids[split] |= learned_ids(snapshot, (split,))
        parent = ((run.config or {}) if run is not None else {}).get("parent_run_id")
        current, snapshot = (int(parent) if parent is not None else None), None
    return {"image_ids": {split: sorted(v) for split, v in ids.items()}}


def learned_ids(snapshot: dict | None, splits=("train", "val")) -> set[int]:
    """Image ids a run trained or validated on (its data snapshot)."""
    by_split = (snapshot or {}).get("image_ids") or {}
    return {int(i) for k in splits for i in by_split.get(k, [])}


def finetune_image_ids(project, image_ids, parent_snapshot: dict | None) -> list[int]:
    """The labelled images a fine-tune learns from: all but the phantoms its lineage learned
    from (`parent_snapshot`: the parent's lineage_snapshot, or its own data snapshot).

    Phantoms the parent trained on would only pull the model back to what it knows; readings
    of real frames (and phantoms new to the lineage) stay, so a fine-tune of a fine-tune still
    learns from every reading. Decides on the image records, before any pixels are read.
    """
    seen = learned_ids(parent_snapshot)
    ids = list(image_ids)
    infos = project.images([i for i in ids if i in seen])  # one batched read
    return [i for i in ids if not (i in infos and infos[i].source == "synthetic")]


def replay_image_ids(
    lineage: dict | None, labelled, kept, n_new: int, share: float, seed: int
) -> list[int]:
    """Phantoms a fine-tune replays: a seeded sample of the lineage's training images that
    still carry a label and that the fine-tune did not keep anyway (`kept`: its own images, so
    a lineage's earlier readings are never drawn twice), as many as make `share` of the
    training images beside `n_new` new ones (none when share is 0 or nothing is new)."""
    if share <= 0 or n_new <= 0:
        return []
    pool = sorted(learned_ids(lineage, ("train",)) & set(labelled) - set(kept))
    want = round(n_new * share / (1.0 - share))
    return sorted(random.Random(seed).sample(pool, min(want, len(pool))))


def adapt_image_ids(project, exclude_snapshot: dict | None, seed: int = 0) -> list[int]:
    """The project's images a run's batch norm adapts to: those outside the snapshot's training
    and validation images (the frames no ancestor learned from), at most MAX_ADAPT_FRAMES."""
    seen = learned_ids(exclude_snapshot)
    ids: list[int] = []
    offset = 0
    while True:
        page = project.list_images(offset=offset, limit=1000)
        ids.extend(i.id for i in page if i.id not in seen)
        if len(page) < 1000:
            break
        offset += 1000
    if len(ids) > MAX_ADAPT_FRAMES:
        ids = sorted(random.Random(seed).sample(ids, MAX_ADAPT_FRAMES))
    return ids


def project_frames(project, image_ids) -> list:
    """(pixels, spacing) of project images, read in one batch."""
    from core.geometry import spacing_or_unknown

    ids = list(image_ids)
    with project.transaction(write=False) as repo:
        infos = repo.images(ids)
        pixels = repo.pixels_many(ids)
    return [(pixels[i], spacing_or_unknown(infos[i].spacing)) for i in ids]


def features_of(predictor, frames) -> np.ndarray:
    """Pooled features (n, 2048) of frames along the prediction path."""
    preds = predictor.predict(frames)
    return np.stack([p.features for p in preds]) if preds else np.zeros((0, 2048))


def run_feature_stats(predictor, train_frames: list, val_frames: list, seed: int = 0):
    """model.ood statistics of a run: fitted on (a sample of) its training frames, the limit
    from its validation frames where there are enough. None without training frames."""
    if not train_frames:
        return None
    if len(train_frames) > MAX_FIT_FRAMES:
        train_frames = random.Random(seed).sample(train_frames, MAX_FIT_FRAMES)
    held_out = features_of(predictor, val_frames) if val_frames else None
    return fit_feature_stats(features_of(predictor, train_frames), held_out)
