"""The training configuration: every setting a run depends on, with the defaults users get.

It is also the one schema of the settings a user may change: a field with `option(...)` metadata
becomes an option of `sphericity train` and an editor of the training form, with its help text and
range (`train_options()`). No torch here: the command line builds its options without loading it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any


def option(
    help: str, *, low: float | None = None, high: float | None = None, label: str | None = None
) -> dict:
    """Field metadata that shows a TrainConfig field to users (CLI option and form editor)."""
    return {"option": {"help": help, "low": low, "high": high, "label": label}}


def _opt(default, help: str, *, low=None, high=None, label=None):
    return field(default=default, metadata=option(help, low=low, high=high, label=label))


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

    @classmethod
    def still(cls) -> AugmentConfig:
        """No random augmentation at all: every step sees the crops as they are."""
        return cls(
            rotation_deg=0.0,
            upright_jitter_deg=0.0,
            flip=False,
            scale_range=(1.0, 1.0),
            shift_mm=0.0,
            intensity=False,
        )


@dataclass
class TrainConfig:
    """Everything a run depends on.

    Defaults, measured on 1,500 phantoms from scratch (no pretrained weights) on the quiet
    2-core CPU (AMD EPYC, bf16): 20 epochs take 19.2 min and give, on 150 held-out phantoms,
    model SI MSE 0.00029, R2 0.976 and a median landmark error of 1.92 mm (seed 1: 20.7 min,
    MSE 0.00032, R2 0.973, 1.87 mm), on the previous phantom generator. Those runs never
    stopped early, so `patience` 0 (now the default: no early stop, the best validation epoch
    kept) gives the same runs. On the current generator (figures.sh, 3 draws of 1,500, seeds
    0-2, fp32 CPU): MSE 0.00074 +- 0.00009, R2 0.951 +- 0.009, 2.22 +- 0.03 mm, still
    improving at epoch 20 (README "The model").

    Fine-tuning (`init` a run; FINETUNE_DEFAULTS fill the settings left at their scratch
    defaults) was compared by tests/benchmarks/bench_shift.py on 2026-12-02 (the three
    1,500-phantom draws as bases, 5 replicates; 20 readings of the shifted phantom family; SI
    RMSE on 150 held-out shifted frames): these defaults 0.0519 +- 0.0018, adapting batch norm
    first 0.0530 +- 0.0052, 15 epochs of 10 steps 0.0528 +- 0.0011, every layer at lr 1e-3
    0.0579 +- 0.0064, replaying as many base phantoms as readings 0.0580 +- 0.0083. None beat
    them, so they stay: peak rate 3x lower than from scratch, batch 8, 6 epochs of at least 6
    steps, stem and layer1 frozen, batch-norm statistics kept, no phantom replay. With them:
    0.062 +- 0.005 on 5 readings, 0.055 +- 0.004 on 10, 0.053 +- 0.004 on 50 (README "From
    phantoms to a group's own hearts").
    """

    # fills the ~20 minutes a user waits on a 2-core CPU
    epochs: int = _opt(20, "training epochs (at most: patience may stop earlier)", low=1, high=1000)
    batch: int = _opt(16, "images per training step", low=1, high=1024, label="Batch size")
    lr: float = _opt(1e-3, "peak learning rate", low=1e-6, high=1.0, label="Learning rate")
    weight_decay: float = 1e-4
    size: int = _opt(128, "fine pass input, px", low=32, high=1024, label="Fine input (px)")
    # Localising pass input (whole frame), px; equal to `size` so both passes share one batch.
    coarse_size: int = _opt(
        128,
        "whole-frame (localising pass) input, px",
        low=32,
        high=1024,
        label="Whole-frame input (px)",
    )
    fov_mm: float = _opt(
        160.0,
        "fine field of view, mm (isotropic)",
        low=20.0,
        high=500.0,
        label="Field of view (mm)",
    )
    # How the fine field of view is placed: "upright" (centred on the LV's axis midpoint, axis
    # turned apex-up); checkpoints without this key used "mean" (landmark mean, unrotated).
    fine_pose: str = "upright"
    refine: int = 1  # extra fine passes at prediction, each placed by the previous one
    coarse_batch: int = 4  # whole-frame images per step that train the localising pass
    si_weight: float = 1.0
    seed: int = _opt(
        0, "random seed (data split, initialisation, augmentation)", low=0, high=2**31 - 1
    )
    device: str = _opt("auto", "auto, cpu or cuda")
    # More than one: model.distributed (DistributedDataParallel, one process per device).
    devices: int = _opt(
        1,
        "devices that train together: GPUs, or CPU processes with device cpu (for tests); "
        "each takes an equal share of the batch",
        low=1,
        high=64,
        label="Devices",
    )
    threads: int | None = _opt(
        None,
        "CPU threads (not set: one per core; fewer helps on a busy, shared CPU)",
        label="CPU threads",
        low=1,
        high=1024,
    )
    freeze: int = _opt(
        0,
        "backbone stages kept frozen (0 none .. 5 stem and layer1-4)",
        low=0,
        high=5,
        label="Frozen stages",
    )
    weights: str | None = _opt(
        None, "pretrained ResNet50 file (not set: torchvision's cache)", label="Pretrained weights"
    )
    include_submitted: bool = _opt(
        False, "train on submitted readings too, not only approved ones", label="Submitted too"
    )
    # 0: never stop early; the best validation epoch's checkpoint is kept either way. With the
    # one-cycle schedule most of the gain comes in the low-rate last epochs, which a stop on a
    # noisy 150-image validation split cut off (see the README's "Early stopping").
    patience: int = _opt(
        0,
        "epochs without validation improvement before stopping (0: never stop early)",
        low=0,
        high=1000,
    )
    max_images: int | None = _opt(
        None,
        "use at most this many images (not set: all)",
        low=1,
        high=10**7,
        label="At most images",
    )
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    init: str | None = field(
        default=None,
        metadata={
            "help": "start from: 'scratch', 'imagenet' (a local ResNet50 file), a run id or "
            "'latest' (fine-tune that run: its weights, both heads and its preprocessing); "
            "default: ImageNet weights where a file is found, else scratch"
        },
    )
    adapt: bool = _opt(
        False,
        "re-estimate batch-norm statistics on the project's own frames (no readings needed; "
        "whole frames and fine crops): before fine-tuning, or after training",
        label="Adapt to frames",
    )
    freeze_bn: bool = _opt(
        False,
        "keep batch-norm statistics as they are (fine-tuning default)",
        label="Keep BN statistics",
    )
    # Optimiser steps an epoch takes at least: a few dozen readings make one-step epochs.
    epoch_steps: int = _opt(
        0,
        "minimum optimiser steps per epoch (small sets repeat)",
        low=0,
        high=10**6,
        label="Min steps per epoch",
    )
    # Fine-tuning only: the lineage's own phantoms mixed back in, so a few dozen readings do
    # not pull the model away from what it already reads well (0: the parent's phantoms are
    # left out). 0.5: half the training images are replayed phantoms.
    replay: float = _opt(
        0.0,
        "fine-tuning: share of the training images that are phantoms the parent learned "
        "from, replayed beside the new readings (0: none)",
        low=0.0,
        high=0.9,
        label="Phantom replay share",
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
        for f in fields(cls):
            if f.name == name:
                return f.metadata.get("help") or f.metadata.get("option", {}).get("help", "")
        return ""

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


@dataclass(frozen=True)
class TrainOption:
    """One setting a user may change: a CLI option and a form editor, from one definition."""

    dest: str  # the TrainConfig field (or "no_rotation", the augmentation switch)
    kind: type  # int, float, bool or str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    optional: bool = False  # None is a valid value ("not set")
    label: str = ""  # the form's label ("" : from the name)

    @property
    def title(self) -> str:
        """The form's label for this option."""
        return self.label or self.dest.replace("_", " ").capitalize()

    @property
    def flag(self) -> str:
        """The command line flag, e.g. --coarse-size."""
        return "--" + self.dest.replace("_", "-")

    def check(self, value: Any) -> Any:
        """value as the option's kind, inside its range; ValueError otherwise."""
        if value is None and self.optional:
            return None
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{self.flag} is on or off (True or False), got {value!r}")
            return value
        value = self.kind(value)
        if self.low is not None and value < self.low:
            raise ValueError(f"{self.flag} must be at least {self.shown(self.low)}, got {value}")
        if self.high is not None and value > self.high:
            raise ValueError(f"{self.flag} must be at most {self.shown(self.high)}, got {value}")
        return value

    def shown(self, value: Any) -> str:
        """A value as people read it: 0.001, 160, 2147483647 (not 1e-03 or 2.1e+09)."""
        if value is None:
            return "not set"
        if self.kind is float:
            return f"{value:g}"
        return str(int(value)) if self.kind is int else str(value)


# Not a TrainConfig field: one switch for both rotation ranges of AugmentConfig.
NO_ROTATION = TrainOption(
    "no_rotation",
    bool,
    False,
    "augment without rotations (whole frames, and the fine pass beyond its upright pose)",
    label="No rotation",
)
_KINDS = {"int": int, "float": float, "bool": bool, "str": str}


def train_options() -> list[TrainOption]:
    """The settings `sphericity train` takes and the training form shows, in that order."""
    out = []
    defaults = TrainConfig()
    for f in fields(TrainConfig):
        meta = f.metadata.get("option")
        if meta is None:
            continue
        annotation = str(f.type)  # e.g. "int | None" (annotations are strings here)
        kind = _KINDS[annotation.split("|")[0].strip()]
        out.append(
            TrainOption(
                f.name,
                kind,
                getattr(defaults, f.name),
                meta["help"],
                meta["low"],
                meta["high"],
                optional="None" in annotation,
                label=meta["label"] or "",
            )
        )
    return [*out, NO_ROTATION]


def config_from_options(values: Mapping[str, Any]) -> TrainConfig:
    """A TrainConfig from option values (missing ones keep their defaults), ranges checked."""
    known = {o.dest: o for o in train_options()}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"not a training option: {', '.join(sorted(unknown))}")
    checked = {k: known[k].check(v) for k, v in values.items()}
    no_rotation = checked.pop(NO_ROTATION.dest, False)
    config = replace(TrainConfig(), **checked)
    if no_rotation:
        config.augment = replace(config.augment, rotation_deg=0.0, upright_jitter_deg=0.0)
    return config


# Fine-tuning a run on a few dozen readings (train --init RUN): settings left at their scratch
# default take these. Compared on the shifted phantom family: see TrainConfig's docstring.
FINETUNE_DEFAULTS: dict = {
    "lr": 3e-4,
    "batch": 8,
    "epochs": 6,
    "epoch_steps": 6,
    "freeze": 2,  # stem and layer1: generic edges and textures
    "freeze_bn": True,
}
