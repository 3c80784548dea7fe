"""Checkpoints: written atomically with configuration, data snapshot, metrics and code version."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from model.network import SIModel

FORMAT = "sphericity-si-model/1"


def code_version() -> str:
    """The installed package version (the run row and checkpoint record it)."""
    from core import __version__

    return __version__


def save_checkpoint(
    path: Path,
    model: SIModel,
    *,
    config: dict,
    data_snapshot: dict,
    metrics: dict,
    extra: dict | None = None,
) -> Path:
    """Write model weights and metadata to `path` atomically (temp file, then os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "state_dict": state,
        "config": config,
        "data_snapshot": data_snapshot,
        "metrics": metrics,
        "code_version": code_version(),
        **(extra or {}),
    }
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded, with a reason of our own (never the loader's text)."""


def load_checkpoint(path: Path) -> tuple[SIModel, dict]:
    """(model in eval mode on the CPU, metadata without the weights) from a checkpoint file.

    CheckpointError for a folder, an empty, truncated or foreign file, or weights that do not
    fit the network. Only tensors and plain data are unpickled (weights_only): a checkpoint
    can never run code.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"the checkpoint {path} is a folder, not a checkpoint file")
    if not path.exists():
        raise CheckpointError(f"the checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors: their texts only confuse here
        raise CheckpointError(
            f"{path} is not a readable Sphericity model checkpoint "
            f"(empty, truncated or not a checkpoint: {type(exc).__name__})"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a Sphericity model checkpoint")
    if not isinstance(payload.get("config"), dict) or not isinstance(
        payload.get("state_dict"), dict
    ):
        raise CheckpointError(f"{path} is an incomplete Sphericity model checkpoint")
    model = SIModel()
    try:
        model.load_state_dict(payload.pop("state_dict"))
    except (RuntimeError, TypeError, KeyError, ValueError) as exc:
        raise CheckpointError(
            f"{path} holds weights that do not fit the model ({type(exc).__name__})"
        ) from None
    model.eval()
    return model, payload
