"""Device choice and speed settings: CUDA with AMP, or CPU with bf16 autocast where it pays."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch


def cpu_flags() -> set[str]:
    """The CPU feature flags from /proc/cpuinfo (empty where the file does not exist)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_has_fast_bf16() -> bool:
    """True when the CPU multiplies bf16 natively (AVX-512 BF16 or AMX): autocast pays there."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def cpu_cores() -> int:
    """Cores this process may use (affinity-aware)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class DeviceSetup:
    """Where the model runs and how: the torch device, the autocast dtype (or None), layout."""

    device: torch.device
    amp_dtype: torch.dtype | None
    channels_last: bool = True

    def describe(self) -> str:
        amp = {torch.bfloat16: "bf16", torch.float16: "fp16", None: "fp32"}[self.amp_dtype]
        if self.device.type == "cuda":
            name = torch.cuda.get_device_name(self.device)
            return f"cuda ({name}), {amp}, channels-last"
        return f"cpu ({torch.get_num_threads()} threads), {amp}, channels-last"

    def autocast(self):
        """Autocast context for forward passes (a no-op context in fp32)."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def to_input(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.device, non_blocking=True)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x


def choose_device(
    name: str = "auto", *, amp: bool = True, threads: int | None = None
) -> DeviceSetup:
    """DeviceSetup for "auto", "cpu" or "cuda[:n]"; CPU threads = `threads` or the cores.

    On a CPU shared with other busy processes, fewer threads than cores can be much faster:
    OpenMP threads wait for each other at every layer, and a preempted one stalls the rest.
    """
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda was asked for, but torch sees no CUDA device")
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        # bf16 where the GPU has it (Ampere and later): fp32's range, so no loss scaling.
        # Chosen, not measured here (no GPU was lent when it was written).
        half = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return DeviceSetup(device, half if amp else None)
    torch.set_num_threads(threads or cpu_cores())
    torch.set_flush_denormal(True)  # denormal floats late in training can slow CPUs many times
    return DeviceSetup(device, torch.bfloat16 if amp and cpu_has_fast_bf16() else None)
