"""Pixel conversions shared by the readers: colour to grayscale, rescale, window from values."""

from __future__ import annotations

import math
from typing import overload

import numpy as np

# ITU-R BT.601 luma weights: what DICOM YBR_FULL and most viewers use for gray.
_LUMA = np.array([0.299, 0.587, 0.114])


def to_grayscale(array: np.ndarray) -> np.ndarray:
    """A (rows, cols) frame from gray, gray+alpha, RGB or RGBA samples; integers stay integers."""
    if array.ndim == 2:
        return array
    if array.ndim != 3 or array.shape[2] not in (2, 3, 4):
        raise ValueError(f"unexpected sample layout {array.shape}")
    if array.shape[2] == 2:  # gray + alpha
        return np.ascontiguousarray(array[:, :, 0])
    luma = array[:, :, :3].astype(np.float32) @ _LUMA.astype(np.float32)
    if array.dtype.kind in "iu":
        info = np.iinfo(array.dtype)
        return np.clip(np.rint(luma), info.min, info.max).astype(array.dtype)
    return luma.astype(np.float32)


def rescale(array: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """Stored values to output units: integers kept when the rescale is the identity."""
    if slope == 1.0 and intercept == 0.0:
        return array
    return (array.astype(np.float32) * np.float32(slope) + np.float32(intercept)).astype(np.float32)


@overload
def finite_number(value: object, default: float) -> float: ...


@overload
def finite_number(value: object, default: None = None) -> float | None: ...


def finite_number(value, default: float | None = None) -> float | None:
    """float(value) when it is a finite number (first of a multi-value), else default."""
    if value is None:
        return default
    if isinstance(value, list | tuple) or (
        hasattr(value, "__getitem__") and not isinstance(value, str | bytes)
    ):
        try:
            value = value[0]
        except (IndexError, TypeError, KeyError):
            return default
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default
