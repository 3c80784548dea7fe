"""One training loop's state: model, optimiser, schedule, augmented batches, combined loss."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from model.augment import sample_batch
from model.cache import FrameCache
from model.config import TrainConfig
from model.device import DeviceSetup
from model.heatmap import landmark_loss
from model.network import SIModel
from model.preprocess import to_device


@dataclass(frozen=True)
class Batch:
    """One step's inputs: fine crops (on the device) with their landmarks and SI, whole frames."""

    fine: torch.Tensor
    fine_points: torch.Tensor
    si: torch.Tensor
    coarse: torch.Tensor
    coarse_points: torch.Tensor


@dataclass
class Trainer:
    """The state of one training loop (model, optimiser, caches); see train()."""

    config: TrainConfig
    setup: DeviceSetup
    model: SIModel
    train_set: FrameCache
    val_set: FrameCache
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    def __post_init__(self) -> None:
        dev = self.setup.device
        # Augment where the pixels are: on a GPU the CPU would be the bottleneck.
        self.train_set.to_device(dev)
        self.val_set.to_device(dev)
        # Host generator: the batch's matrices and per-image intensity values; the noise is
        # drawn on the device by its own generator (on the CPU the host one draws it too).
        self.gen = torch.Generator().manual_seed(self.config.seed)
        self.noise_gen = (
            torch.Generator(dev).manual_seed(self.config.seed) if dev.type == "cuda" else None
        )
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            params, lr=self.config.lr, weight_decay=self.config.weight_decay
        )
        self.steps_per_epoch = max(
            1, len(self.train_set) // self.config.batch, self.config.epoch_steps
        )
        self.total_steps = self.steps_per_epoch * self.config.epochs
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer,
            max_lr=self.config.lr,
            total_steps=max(self.total_steps, 2),
            pct_start=0.1,
            anneal_strategy="cos",
            div_factor=10.0,
            final_div_factor=100.0,
        )
        use_scaler = self.setup.amp_dtype == torch.float16
        self.scaler = torch.amp.GradScaler(self.setup.device.type, enabled=use_scaler)

    def batches(self):
        """Index batches of one epoch (drops the ragged end, except for tiny sets).

        With epoch_steps above what the set fills, the epoch walks fresh permutations one after
        another, so every image comes round equally often.
        """
        n, b = len(self.train_set), min(self.config.batch, len(self.train_set))
        rounds = -(-self.steps_per_epoch * b // n)
        order = np.concatenate([self.rng.permutation(n) for _ in range(rounds)])
        return [order[k * b : (k + 1) * b] for k in range(self.steps_per_epoch)]

    def train_mode(self) -> None:
        """Training mode, with batch-norm statistics held where the config freezes them."""
        self.model.train()
        if self.config.freeze_bn:
            for module in self.model.modules():
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                    module.eval()

    def prepare(self, idx) -> Batch:
        """The augmented inputs of one step: fine crops of `idx` and a few whole frames."""
        cfg, ts, dev = self.config, self.train_set, self.setup.device
        fine, fine_pts = sample_batch(
            to_device(ts.fine[idx], dev),
            ts.fine_points[idx],
            cfg.size,
            ts.fine_mm_per_px,
            cfg.augment,
            self.gen,
            upright=True,
            noise_gen=self.noise_gen,
        )
        cidx = self.coarse_indices()
        # Whole frames differ in mm/px; a typical 400 mm field only sets the size of the shifts.
        coarse_mm_per_px = 400.0 / cfg.coarse_size
        coarse, coarse_pts = sample_batch(
            to_device(ts.coarse[cidx], dev),
            ts.coarse_points[cidx],
            cfg.coarse_size,
            coarse_mm_per_px,
            cfg.augment,
            self.gen,
            noise_gen=self.noise_gen,
        )
        return Batch(fine, fine_pts, ts.si[idx], coarse, coarse_pts)

    def step(self, idx) -> float:
        """One optimiser step on fine crops (both heads) and whole frames (landmark head)."""
        return self.optimise(self.prepare(idx))

    def optimise(self, batch: Batch) -> float:
        """Forward, backward and one optimiser step on a prepared batch; returns the loss."""
        self.train_mode()
        loss = self.loss(batch.fine, batch.fine_points, batch.si, batch.coarse, batch.coarse_points)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        scale_before = self.scaler.get_scale()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        # fp16 on CUDA: the scaler skips the optimiser step on overflow (and lowers its scale);
        # the schedule then waits too, as torch expects.
        skipped = self.scaler.is_enabled() and self.scaler.get_scale() < scale_before
        if not skipped and self.scheduler.last_epoch < self.scheduler.total_steps - 1:
            self.scheduler.step()
        return float(loss.detach())

    def coarse_indices(self) -> np.ndarray:
        """The whole frames of one step (the localising pass), drawn afresh each step."""
        n = len(self.train_set)
        return self.rng.choice(n, size=min(self.config.coarse_batch, n), replace=False)

    @property
    def net(self) -> torch.nn.Module:
        """What the training forward pass runs: the model (model.distributed wraps it)."""
        return self.model

    def loss(self, fine, fine_pts, si, coarse, coarse_pts) -> torch.Tensor:
        """Landmark loss of both passes plus the SI loss of the fine pass.

        Fine crops and whole frames go through the network as ONE batch when their sizes
        match (the default): batch-norm statistics then describe the same mixture in training
        and in eval mode. Separate passes would leave the running statistics of whichever pass
        ran last, and the fine pass would be normalised with whole-frame statistics at eval.
        """
        dev, n = self.setup.device, fine.shape[0]
        if coarse.shape[0] and coarse.shape[-1] == fine.shape[-1]:
            with self.setup.autocast():
                both = self.net(self.setup.to_input(torch.cat([fine, coarse])))
            out = {k: v[:n] for k, v in both.items()}
            cout: dict | None = {k: v[n:] for k, v in both.items()}
        else:
            with self.setup.autocast():
                out = self.net(self.setup.to_input(fine))
                cout = self.net(self.setup.to_input(coarse)) if coarse.shape[0] else None
        loss = landmark_loss(out["heatmaps"], fine_pts.to(dev), self.config.size)
        # SI errors are ~0.03; scale so the SI term weighs like the landmark term.
        loss = loss + self.config.si_weight * F.mse_loss(out["si"].float() * 10, si.to(dev) * 10)
        if cout is not None:
            loss = loss + landmark_loss(
                cout["heatmaps"], coarse_pts.to(dev), self.config.coarse_size
            )
        return loss


def make_model(
    config: TrainConfig, setup: DeviceSetup, notes: list[str], parent_state: dict | None = None
) -> SIModel:
    """An SIModel to train: a parent run's weights (parent_state), else ImageNet backbone
    weights where a local file exists (required with init "imagenet"), else from scratch."""
    from model import weights as weights_mod
    from model.network import load_backbone

    torch.manual_seed(config.seed)
    model = SIModel()
    if parent_state is not None:
        model.load_state_dict(parent_state)
        notes.append(f"all weights from run {config.parent_run_id}")
    elif config.init != "scratch":
        path = weights_mod.find_weights(config.weights)
        if path is None and config.init == "imagenet":
            raise FileNotFoundError(
                "init 'imagenet' needs a ResNet50 weights file; " + weights_mod.where_to_put()
            )
        if path is None:
            notes.append(
                "no pretrained ResNet50 weights found: training from scratch; "
                + weights_mod.where_to_put()
            )
        else:
            load_backbone(model, weights_mod.load_state_dict(path))
            notes.append(f"backbone initialised from {path}")
    else:
        notes.append("training from scratch (init 'scratch')")
    freeze_stages(model, config.freeze)
    # torch's stubs lack the (device, memory_format=...) form that Module.to accepts.
    return model.to(setup.device, memory_format=torch.channels_last)  # type: ignore[call-overload]


def freeze_stages(model: SIModel, n: int) -> None:
    """Stop gradients for the first n backbone stages (stem, layer1..layer4)."""
    for stage in (model.stem, model.layer1, model.layer2, model.layer3, model.layer4)[:n]:
        for p in stage.parameters():
            p.requires_grad_(False)
