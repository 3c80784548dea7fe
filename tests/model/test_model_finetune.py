"""Fine-tuning from a run, batch-norm adaptation, and the distance from the training frames."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_lv import SPACING, add_ellipses, ellipse_frame, ellipse_project, ellipse_samples

from core.runs import checkpoint_file
from core.store import Project
from model.adapt import adapt_batch_norm, adapt_run
from model.cache import build_cache
from model.config import FINETUNE_DEFAULTS, TrainConfig
from model.device import choose_device
from model.infer import Predictor, plausibility_flags
from model.ood import fit_feature_stats, ledoit_wolf, mahalanobis
from model.train import train
from model.trainer import Trainer, make_model

TINY = dict(size=64, coarse_size=64, fov_mm=120.0, batch=4, coarse_batch=2, device="cpu")


def test_finetune_defaults_fill_only_settings_left_at_their_scratch_default():
    cfg = TrainConfig(init="3", epochs=2).with_finetune_defaults()
    assert cfg.epochs == 2  # chosen by the user
    assert cfg.lr == FINETUNE_DEFAULTS["lr"] and cfg.freeze_bn
    assert TrainConfig(init="latest").finetuning() and not TrainConfig(init="scratch").finetuning()
    assert TrainConfig.help_of("init").startswith("start from")


def test_ledoit_wolf_is_well_conditioned_with_fewer_frames_than_features():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 50))
    cov, shrinkage = ledoit_wolf(x - x.mean(axis=0))
    assert 0 < shrinkage <= 1
    assert np.linalg.eigvalsh(cov).min() > 0
    true = np.diag([1.0, 4.0, 9.0])
    many = rng.normal(size=(5000, 3)) @ np.sqrt(true)
    cov, shrinkage = ledoit_wolf(many - many.mean(axis=0))
    assert shrinkage < 0.05 and np.allclose(cov, true, rtol=0.1, atol=0.3)
    iso = rng.normal(size=(5000, 3))  # already a scaled identity: shrink all the way
    assert ledoit_wolf(iso - iso.mean(axis=0))[1] > 0.5


def test_mahalanobis_grows_away_from_the_training_features_and_the_limit_is_a_quantile():
    rng = np.random.default_rng(1)
    train_f, val_f = rng.normal(size=(200, 8)), rng.normal(size=(40, 8))
    stats = fit_feature_stats(train_f, val_f)
    assert stats["limit_from"] == "validation"
    assert np.isclose(stats["limit"], np.quantile(mahalanobis(stats, val_f), 0.99))
    near, far = mahalanobis(stats, np.vstack([train_f.mean(axis=0), train_f.mean(axis=0) + 10]))
    assert near < 0.5 < stats["limit"] < far
    assert fit_feature_stats(train_f, val_f[:5])["limit"] is None  # too few to set a limit
    assert np.isnan(mahalanobis(None, val_f)).all()


def test_the_distance_flag_speaks_plainly_only_beyond_the_limit():
    conf = np.ones(5)
    assert plausibility_flags(0.6, conf, 0.1, 0.1, 3.0, 10.0) == ()
    (flag,) = plausibility_flags(0.6, conf, 0.1, 0.1, 30.0, 10.0)
    assert "looks unlike the frames the model learned from" in flag


def _trainer(**changes):
    cfg = TrainConfig(**{**TINY, "epochs": 1, **changes})
    setup = choose_device("cpu")
    cache = build_cache(ellipse_samples(6), size=64, coarse_size=64, fov_mm=120.0)
    return Trainer(cfg, setup, make_model(cfg, setup, []), cache, cache, np.random.default_rng(0))


def _bn_stats(model):
    return [m.running_mean.clone() for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]


def test_frozen_batch_norm_statistics_stay_and_epoch_steps_repeat_every_image_equally():
    t = _trainer(freeze_bn=True, epoch_steps=6)
    before = _bn_stats(t.model)
    batches = t.batches()
    assert len(batches) == 6
    counts = np.bincount(np.concatenate(batches), minlength=6)
    assert counts.max() - counts.min() <= 1
    t.step(batches[0])
    assert all(torch.equal(a, b) for a, b in zip(before, _bn_stats(t.model), strict=True))
    moving = _trainer()
    start = _bn_stats(moving.model)
    moving.step(moving.batches()[0])
    assert not all(torch.equal(a, b) for a, b in zip(start, _bn_stats(moving.model), strict=True))


def test_adaptation_moves_batch_norm_statistics_to_the_new_frames_and_keeps_the_weights():
    t = _trainer()
    model, setup = t.model.eval(), t.setup
    weights = {
        k: v.clone()
        for k, v in model.state_dict().items()
        if "running" not in k and "num_batches" not in k
    }
    frames = []
    for seed in range(6):
        pixels, _, _ = ellipse_frame(seed)
        frames.append(((pixels.astype(np.float32) * 0.3 + 200).astype(np.uint16), SPACING))
    adapt_batch_norm(model, t.config, setup, frames)
    after = model.state_dict()
    assert all(torch.equal(after[k], v) for k, v in weights.items())
    stem_bn = model.stem[1]
    assert stem_bn.momentum == 0.1 and not model.training
    assert int(stem_bn.num_batches_tracked) > 0
    with pytest.raises(ValueError):
        adapt_batch_norm(model, t.config, setup, [])


@pytest.mark.slow
def test_fine_tune_and_adapt_runs_record_their_parent_and_what_they_adapted_to(tmp_path):
    path = ellipse_project(tmp_path / "p.sphericity")
    with Project.open(path) as project:
        base = train(TrainConfig(**TINY, epochs=1), project)
        add_ellipses(project, range(10, 14), source="real")
        add_ellipses(project, range(20, 22), source="real", read=False)
        cfg = TrainConfig(device="cpu", batch=4, init="latest", adapt=True, epochs=1)
        child = train(cfg.with_finetune_defaults(), project)
        run = project.run(child.run_id)
        adapted = project.run(adapt_run(project, base.run_id, device="cpu"))
        phantom_ids = {i.id for i in project.list_images(limit=None) if i.source == "synthetic"}
        checkpoint = checkpoint_file(project, run)  # stored relative to the runs folder
        assert checkpoint is not None and checkpoint_file(project, adapted).is_file()
    assert run.config["parent_run_id"] == base.run_id and run.config["size"] == 64
    assert run.config["freeze_bn"] and run.config["lr"] == FINETUNE_DEFAULTS["lr"]
    learned = set(run.data_snapshot["image_ids"]["train"]) | set(
        run.data_snapshot["image_ids"]["val"]
    )
    assert learned and not learned & phantom_ids  # the parent's phantoms are not trained again
    assert run.config["adapted_to"]["readings_used"] is False
    assert run.config["adapted_to"]["n_images"] >= 4  # unread frames and new readings' frames
    assert adapted.config["parent_run_id"] == base.run_id and adapted.status == "done"
    assert adapted.config["adapted_to"]["n_images"] > 0
    assert run.checkpoint_path == checkpoint.name
    predictor = Predictor.from_checkpoint(checkpoint, device="cpu")
    assert predictor.feature_stats["limit"] is None  # 2 validation frames set no limit
    pixels, _, _ = ellipse_frame(500)
    pred = predictor.predict([(pixels, SPACING)])[0]
    assert np.isfinite(pred.feature_distance)
    assert pred.to_row(1)["confidence"]["feature_distance"] == pytest.approx(pred.feature_distance)


@pytest.mark.slow
def test_no_early_stop_by_default_and_tiny_validation_keeps_the_last_epoch(tmp_path):
    path = ellipse_project(tmp_path / "p.sphericity")
    with Project.open(path) as project:
        result = train(TrainConfig(**TINY, epochs=3, lr=0.0), project)
    # With lr 0 no epoch improves on the first; patience 0 still runs all three, and with a
    # 2-frame validation split the last epoch is the one kept.
    assert result.metrics["epochs_run"] == 3
    assert result.metrics["epoch"] == 3


def _run(run_id, parent=None, train=(), val=()):
    from types import SimpleNamespace

    snapshot = {"image_ids": {"train": list(train), "val": list(val)}} if train or val else None
    config = {"parent_run_id": parent} if parent is not None else {}
    return SimpleNamespace(id=run_id, config=config, data_snapshot=snapshot)


def test_the_lineage_is_every_ancestor_s_training_and_validation_frames():
    from model.finetune import lineage_snapshot

    runs = [
        _run(1, train=[1, 2, 3], val=[4]),  # base run on phantoms
        _run(2, parent=1, train=[10], val=[11]),  # fine-tune on readings
        _run(3, parent=2, train=[12]),  # its fine-tune: the base phantoms are still the lineage's
    ]
    assert lineage_snapshot(runs, 3)["image_ids"] == {"train": [1, 2, 3, 10, 12], "val": [4, 11]}
    assert lineage_snapshot(runs, 2)["image_ids"] == {"train": [1, 2, 3, 10], "val": [4, 11]}
    # a deleted ancestor ends the walk; a checkpoint's own snapshot stands in for an empty row
    gone = [_run(5, parent=99), _run(6, parent=5, train=[7])]
    own = {"image_ids": {"train": [8], "val": []}}
    assert lineage_snapshot(gone, 5, own)["image_ids"] == {"train": [8], "val": []}
    assert lineage_snapshot(gone, 6)["image_ids"]["train"] == [7]
    looped = [_run(1, parent=2, train=[1]), _run(2, parent=1, train=[2])]  # never loops forever
    assert lineage_snapshot(looped, 1)["image_ids"]["train"] == [1, 2]


def test_a_fine_tune_of_a_fine_tune_leaves_out_the_base_run_s_phantoms(tmp_path):
    from model.finetune import finetune_image_ids, lineage_snapshot

    with Project.create(tmp_path / "p.sphericity") as project:
        with project.transaction() as repo:
            series = repo.add_series("s", source="synthetic")
            phantoms = [
                repo.add_image(
                    series,
                    np.zeros((8, 8), np.uint16),
                    frame_index=k,
                    spacing=None,
                    source="synthetic",
                )[0]
                for k in range(3)
            ]
            real = repo.add_series("r", source="real")
            readings = [
                repo.add_image(
                    real, np.ones((8, 8), np.uint16), frame_index=k, spacing=None, source="real"
                )[0]
                for k in range(2)
            ]
        runs = [
            _run(1, train=phantoms),
            _run(2, parent=1, train=readings[:1]),
        ]
        everything = sorted(phantoms + readings)
        lineage = lineage_snapshot(runs, 2)
        # the phantoms the base learned from stay out; every reading (real frames) stays in
        assert finetune_image_ids(project, everything, lineage) == sorted(readings)
        # the parent's own snapshot alone would bring the base phantoms back
        assert set(phantoms) <= set(finetune_image_ids(project, everything, runs[1].data_snapshot))


@settings(max_examples=200, deadline=None)
@given(
    lineage_train=st.sets(st.integers(0, 60), max_size=40),
    labelled=st.sets(st.integers(0, 80), max_size=60),
    kept=st.sets(st.integers(0, 80), max_size=20),
    n_new=st.integers(0, 30),
    share=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9]),
    seed=st.integers(0, 5),
)
def test_replay_draws_the_share_from_the_lineage_s_labelled_training_phantoms(
    lineage_train, labelled, kept, n_new, share, seed
):
    from model.finetune import replay_image_ids

    lineage = {"image_ids": {"train": sorted(lineage_train), "val": [999]}}
    got = replay_image_ids(lineage, labelled, kept, n_new, share, seed)
    # never validation, never unlabelled, never an image the fine-tune keeps anyway, no repeats
    pool = (lineage_train & labelled) - kept
    assert set(got) <= pool and len(set(got)) == len(got)
    want = round(n_new * share / (1 - share)) if share and n_new else 0
    assert len(got) == min(want, len(pool))
    assert got == replay_image_ids(lineage, labelled, kept, n_new, share, seed)  # seeded


def test_a_fine_tune_with_replay_trains_on_the_parent_s_phantoms_beside_the_readings(tmp_path):
    path = ellipse_project(tmp_path / "p.sphericity")
    with Project.open(path) as project:
        base = train(TrainConfig(**TINY, epochs=1), project)
        add_ellipses(project, range(10, 18), source="real")
        cfg = TrainConfig(device="cpu", batch=4, init="latest", epochs=1, replay=0.5)
        child = train(replace(cfg.with_finetune_defaults(), epoch_steps=1), project)
        parent, run = project.run(base.run_id), project.run(child.run_id)
        phantom_ids = {i.id for i in project.list_images(limit=None) if i.source == "synthetic"}
    train_ids = set(run.data_snapshot["image_ids"]["train"])
    replayed, parent_train = (
        train_ids & phantom_ids,
        set(parent.data_snapshot["image_ids"]["train"]),
    )
    assert replayed <= parent_train
    # a share of 0.5: as many phantoms as new training readings (fewer only where the parent
    # trained on fewer)
    new = train_ids - phantom_ids
    assert len(replayed) == min(len(new), len(parent_train)) > 0
    assert not set(run.data_snapshot["image_ids"]["val"]) & phantom_ids
    assert run.config["replay"] == 0.5
