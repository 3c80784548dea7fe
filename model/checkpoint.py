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


def load_checkpoint(path: Path) -> tuple[SIModel, dict]:
    """(model in eval mode on the CPU, metadata without the weights) from a checkpoint file."""
    payload = torch.load(Path(path), map_location="cpu", weights_only=True)
    if payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a Sphericity model checkpoint")
    model = SIModel()
    model.load_state_dict(payload.pop("state_dict"))
    model.eval()
    return model, payload
