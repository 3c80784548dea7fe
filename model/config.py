"""The training configuration: every setting a run depends on, with the defaults users get.

No torch here: the command line builds its options from these defaults without loading torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random augmentation (all geometric ones are similarities)."""

    rotation_deg: float = 180.0  # whole frames (the localising pass): the full circle
    # The fine pass sees the LV turned upright by the localising pass; this much rotation
    # either way covers that pass's error in the axis direction.
    upright_jitter_deg: float = 20.0
    flip: bool = True
    scale_range: tuple[float, float] = (0.9, 1.1)
    shift_mm: float = 15.0  # the fine pass must cope with an imperfect localisation
    intensity: bool = True


@dataclass
class TrainConfig:
    """Everything a run depends on.

    Defaults, measured on 1,500 phantoms from scratch (no pretrained weights) on the quiet
    2-core CPU (AMD EPYC, bf16): 20 epochs take 19.2 min and give, on 150 held-out phantoms,
    model SI MSE 0.00029, R2 0.976 and a median landmark error of 1.92 mm (seed 1: 20.7 min,
    MSE 0.00032, R2 0.973, 1.87 mm). Those runs never stopped early, so `patience` 0 (now the
    default: no early stop, the best validation epoch kept) gives the same runs.

    Fine-tuning (`init` a run; FINETUNE_DEFAULTS fill the settings left at their scratch
    defaults) is NOT yet chosen by measurement. tests/benchmarks/bench_shift.py compares these
    defaults with `adapt` and with training every layer at lr 1e-3 on 20 readings of the shifted
    phantom family, but on the shared 2-core CPU of 2026-12-01 (load average 11-16) its reduced
    base run (300 phantoms) finished one epoch in 40 minutes and the comparison never ran. The
    defaults are reasoned, to be replaced by figures: a peak rate 3x lower than from scratch
    (the weights are already good), batch 8 and 6 epochs of at least 6 steps (a few dozen
    readings make one-step epochs), stem and layer1 frozen and batch-norm statistics kept (a
    batch of 8 crops estimates them worse than the parent's or the adapted ones), no phantom
    replay (the parent's phantoms are left out of a fine-tune).
    """

    epochs: int = 20  # fills the ~20 minutes a user waits on a 2-core CPU
    batch: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-4
    size: int = 128  # fine pass input, px
    # Localising pass input (whole frame), px; equal to `size` so both passes share one batch.
    coarse_size: int = 128
    fov_mm: float = 160.0  # fine field of view, mm (isotropic)
    # How the fine field of view is placed: "upright" (centred on the LV's axis midpoint, axis
    # turned apex-up); checkpoints without this key used "mean" (landmark mean, unrotated).
    fine_pose: str = "upright"
    refine: int = 1  # extra fine passes at prediction, each placed by the previous one
    coarse_batch: int = 4  # whole-frame images per step that train the localising pass
    si_weight: float = 1.0
    seed: int = 0
    device: str = "auto"
    threads: int | None = None  # CPU threads; None: one per core
    freeze: int = 0  # backbone stages kept frozen: 0 none .. 5 stem and layer1-4
    weights: str | None = None
    include_submitted: bool = False
    # 0: never stop early; the best validation epoch's checkpoint is kept either way. With the
    # one-cycle schedule most of the gain comes in the low-rate last epochs, which a stop on a
    # noisy 150-image validation split cut off (see the README's "Early stopping").
    patience: int = 0
    max_images: int | None = None
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    init: str | None = field(
        default=None,
        metadata={
            "help": "start from: 'scratch', 'imagenet' (a local ResNet50 file), a run id or "
            "'latest' (fine-tune that run: its weights, both heads and its preprocessing); "
            "default: ImageNet weights where a file is found, else scratch"
        },
    )
    adapt: bool = field(
        default=False,
        metadata={
            "help": "re-estimate batch-norm statistics on the project's own frames (no readings "
            "needed; whole frames and fine crops): before fine-tuning, or after training"
        },
    )
    freeze_bn: bool = field(
        default=False,
        metadata={"help": "keep batch-norm statistics as they are (fine-tuning default)"},
    )
    # Optimiser steps an epoch takes at least: a few dozen readings make one-step epochs.
    epoch_steps: int = field(
        default=0, metadata={"help": "minimum optimiser steps per epoch (small sets repeat)"}
    )
    source: str | None = field(
        default=None,
        metadata={"help": "train only on images of this source: 'synthetic' or 'real'"},
    )
    # Set by train() from `init`: the run this one started from (None: scratch or ImageNet).
    parent_run_id: int | None = None
    adapted_to: dict | None = None  # what batch norm was re-estimated on (image ids, count)

    def finetuning(self) -> bool:
        """Whether `init` names a run (a run id or "latest")."""
        return self.init not in (None, "", "scratch", "imagenet")

    def with_finetune_defaults(self) -> TrainConfig:
        """This config with FINETUNE_DEFAULTS wherever a setting is still at its scratch default."""
        scratch = TrainConfig()
        changes = {
            k: v for k, v in FINETUNE_DEFAULTS.items() if getattr(self, k) == getattr(scratch, k)
        }
        return replace(self, **changes)

    @classmethod
    def help_of(cls, name: str) -> str:
        """The help text of a field (its metadata), '' when it has none."""
        return next((f.metadata.get("help", "") for f in fields(cls) if f.name == name), "")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["augment"]["scale_range"] = list(d["augment"]["scale_range"])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        d = dict(d)
        aug = dict(d.pop("augment", {}))
        if "scale_range" in aug:
            aug["scale_range"] = tuple(aug["scale_range"])
        d.setdefault("fine_pose", "mean")  # written before the upright pose existed
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known, augment=AugmentConfig(**aug))


# Fine-tuning a run on a few dozen readings (train --init RUN): settings left at their scratch
# default take these. Measured on the shifted phantom family: see TrainConfig's docstring.
FINETUNE_DEFAULTS: dict = {
    "lr": 3e-4,
    "batch": 8,
    "epochs": 6,
    "epoch_steps": 6,
    "freeze": 2,  # stem and layer1: generic edges and textures
    "freeze_bn": True,
}
