"""Window/level rendering: lookup tables against the plain formula, dtypes, presets, QImage."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.canvas import render


def reference(pixels, center, width):
    grey = (pixels.astype(np.float64) - (center - width / 2)) * 255.0 / width
    return np.floor(np.clip(grey, 0, 255) + 0.5).astype(np.uint8)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32])
def test_window_matches_the_formula_for_every_dtype(dtype):
    rng = np.random.default_rng(1)
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    lo, hi = (info.min, info.max) if info else (-3000.0, 3000.0)
    pixels = rng.integers(lo, hi, (37, 53), endpoint=True).astype(dtype)
    center, width = float(lo + hi) / 2 + 3.25, (hi - lo) * 0.4
    grey = render.window_to_grey(pixels, center, width)
    assert grey.dtype == np.uint8 and grey.shape == pixels.shape
    np.testing.assert_array_equal(grey, reference(pixels, center, width))


def test_window_saturates_and_handles_non_finite_floats():
    pixels = np.array([[-np.inf, np.nan, -40.0], [50.0, 300.0, np.inf]])
    grey = render.window_to_grey(pixels, 127.5, 255.0)
    assert grey.tolist() == [[0, 0, 0], [50, 255, 0]]


def test_presets_and_auto_window():
    pixels = np.arange(10_000, dtype=np.uint16).reshape(100, 100)
    c, w = render.preset_window(pixels, "full")
    assert (c, w) == (4999.5, 9999.0)
    c, w = render.auto_window(pixels)
    assert 0 < c - w / 2 < 200 and 9800 < c + w / 2 < 10_000
    assert render.preset_window(pixels, "contrast")[1] < w
    with pytest.raises(ValueError, match="preset"):
        render.preset_window(pixels, "bone")
    flat = np.full((8, 8), 7, np.uint16)
    assert render.auto_window(flat)[1] > 0  # a flat frame still gets a usable window


def test_qimage_owns_its_pixels():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    image = render.grey_to_qimage(grey)
    grey[:] = 0  # the caller's buffer may change or vanish
    assert image.format() == QImage.Format.Format_Grayscale8
    assert (image.width(), image.height()) == (4, 3)
    assert image.pixelColor(3, 2).red() == 220
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[1, 2] = (255, 10, 20, 128)
    overlay = render.rgba_to_qimage(rgba)
    color = overlay.pixelColor(2, 1)
    assert (color.red(), color.green(), color.blue(), color.alpha()) == (255, 10, 20, 128)
    with pytest.raises(ValueError):
        render.rgba_to_qimage(np.zeros((2, 3)))
