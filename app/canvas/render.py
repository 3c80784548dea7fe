"""Window/level of numpy frames into QImages, vectorised through cached uint8 lookup tables."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtGui import QImage

# Frames at or below this many distinct integer levels go through a lookup table; wider integer
# types (int32, uint32) and floats are windowed arithmetically.
_LUT_DTYPES = (np.uint8, np.int8, np.uint16, np.int16)

WINDOW_PRESETS: tuple[str, ...] = ("auto", "full", "contrast")


def auto_window(pixels: np.ndarray) -> tuple[float, float]:
    """A robust (center, width): the 1st–99.5th percentile of a subsample of the frame."""
    return _percentile_window(pixels, 1.0, 99.5)


def preset_window(pixels: np.ndarray, name: str) -> tuple[float, float]:
    """(center, width) of a named preset: auto, full (min–max) or contrast (5th–95th pct)."""
    if name == "auto":
        return auto_window(pixels)
    if name == "full":
        lo, hi = float(np.min(pixels)), float(np.max(pixels))
        return _window_from_range(lo, hi)
    if name == "contrast":
        return _percentile_window(pixels, 5.0, 95.0)
    raise ValueError(f"unknown window preset {name!r}; choose one of {', '.join(WINDOW_PRESETS)}")


def _percentile_window(pixels: np.ndarray, lo_pct: float, hi_pct: float) -> tuple[float, float]:
    # A strided subsample keeps this O(64k) for any frame size; the window needs no exactness.
    step = max(1, int(np.sqrt(pixels.size / 65536)))
    sample = pixels[::step, ::step]
    finite = sample[np.isfinite(sample)] if sample.dtype.kind == "f" else sample.ravel()
    if finite.size == 0:
        return (0.5, 1.0)
    lo, hi = np.percentile(finite, [lo_pct, hi_pct])
    return _window_from_range(float(lo), float(hi))


def _window_from_range(lo: float, hi: float) -> tuple[float, float]:
    width = max(hi - lo, 1e-6)
    return ((lo + hi) / 2.0, width)


@lru_cache(maxsize=16)
def _lut(dtype_str: str, center: float, width: float) -> np.ndarray:
    """uint8 grey for every representable value of a small integer dtype, indexed from its min."""
    info = np.iinfo(np.dtype(dtype_str))
    values = np.arange(info.min, info.max + 1, dtype=np.float64)
    return _scale(values, center, width)


def _scale(values: np.ndarray, center: float, width: float) -> np.ndarray:
    width = max(float(width), 1e-6)
    lo = center - width / 2.0
    grey = (values - lo) * (255.0 / width)
    np.clip(grey, 0.0, 255.0, out=grey)
    return (grey + 0.5).astype(np.uint8)


def window_to_grey(pixels: np.ndarray, center: float, width: float) -> np.ndarray:
    """The frame windowed to a C-contiguous uint8 array of the same shape."""
    if pixels.ndim != 2:
        raise ValueError(f"a frame must be 2-D, got shape {pixels.shape}")
    if pixels.dtype.type in _LUT_DTYPES:
        lut = _lut(pixels.dtype.str, round(float(center), 6), round(float(width), 6))
        if pixels.dtype.kind == "u":
            return lut[pixels]
        # Two's complement: v - min == unsigned view of v with the sign bit flipped.
        unsigned = pixels.view(np.dtype(f"u{pixels.dtype.itemsize}"))
        return lut[unsigned ^ (1 << (8 * pixels.dtype.itemsize - 1))]
    values = np.nan_to_num(pixels.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return _scale(values, float(center), float(width))


def grey_to_qimage(grey: np.ndarray) -> QImage:
    """Wrap a uint8 (rows, cols) array as a Grayscale8 QImage that owns a copy of its bytes."""
    grey = np.ascontiguousarray(grey, dtype=np.uint8)
    rows, cols = grey.shape
    image = QImage(grey.data, cols, rows, cols, QImage.Format.Format_Grayscale8)
    return image.copy()  # detach from the numpy buffer, which may be freed after we return


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """Wrap a uint8 (rows, cols, 4) RGBA array as a QImage that owns a copy of its bytes."""
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"an overlay must be (rows, cols, 4) RGBA, got shape {rgba.shape}")
    if rgba.dtype != np.uint8:
        rgba = np.clip(rgba, 0, 255).astype(np.uint8)
    rgba = np.ascontiguousarray(rgba)
    rows, cols, _ = rgba.shape
    image = QImage(rgba.data, cols, rows, cols * 4, QImage.Format.Format_RGBA8888)
    return image.copy()


def frame_to_qimage(pixels: np.ndarray, center: float, width: float) -> QImage:
    """Window a frame and return it as a QImage (the canvas's one rendering path)."""
    return grey_to_qimage(window_to_grey(pixels, center, width))
