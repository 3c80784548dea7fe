"""Pretrained ResNet50 weights from a local file only: find, load, and download where allowed."""

from __future__ import annotations

import os
from pathlib import Path

import torch

# torchvision's file name for IMAGENET1K_V2 (the better of its two ImageNet sets).
DEFAULT_FILE = "resnet50-11ad3fa6.pth"


def cache_dir() -> Path:
    """torchvision's checkpoint cache: $TORCH_HOME/hub/checkpoints (default ~/.cache/torch)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def find_weights(explicit: str | os.PathLike | None = None) -> Path | None:
    """The weights file to use: `explicit` if given (must exist), else any resnet50-*.pth cached."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"weights file {path} does not exist")
        return path
    found = sorted(cache_dir().glob("resnet50-*.pth"))
    return found[-1] if found else None


def where_to_put() -> str:
    """A sentence telling a user how to provide pretrained weights."""
    return (
        f"put torchvision's ImageNet ResNet50 file ({DEFAULT_FILE}) in {cache_dir()}, "
        "pass --weights PATH, or run `sphericity weights download` on a machine with a network"
    )


def load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A ResNet50 state_dict from a local file, loaded with weights_only=True (no pickled code)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict) or "conv1.weight" not in state:
        raise ValueError(f"{path} is not a ResNet50 state_dict (no conv1.weight)")
    return state


def download() -> Path:
    """Fetch torchvision's ImageNet ResNet50 weights into the cache; a clear error offline."""
    from torchvision.models import ResNet50_Weights

    weights = ResNet50_Weights.IMAGENET1K_V2
    try:
        weights.get_state_dict(progress=True, check_hash=True)
    except Exception as exc:  # urllib raises several kinds; all mean "no network here"
        raise RuntimeError(
            f"could not download the ResNet50 weights ({exc.__class__.__name__}: {exc}); "
            f"this machine seems to have no network. {where_to_put()}"
        ) from exc
    path = find_weights()
    if path is None:
        raise RuntimeError(f"download finished but no file appeared in {cache_dir()}")
    return path
