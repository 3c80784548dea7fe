"""Grad-CAM overlay PNG: the frame in grey, the signed map in a diverging colour map, landmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# Blue (lowers SI) - light grey (no effect) - red (raises SI), after Moreland's cool-warm map.
_NEG = np.array([59, 76, 192], dtype=np.float32)
_MID = np.array([221, 221, 221], dtype=np.float32)
_POS = np.array([180, 4, 38], dtype=np.float32)


def diverging_rgb(values: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 colours of values in [-1, 1] (NaN counts as 0)."""
    v = np.clip(np.nan_to_num(values, nan=0.0), -1.0, 1.0)[..., None]
    rgb = np.where(v >= 0, _MID + (_POS - _MID) * v, _MID + (_NEG - _MID) * (-v))
    return rgb.astype(np.uint8)


def grey(pixels: np.ndarray) -> np.ndarray:
    """uint8 grey of a frame, windowed from the 1st to the 99.5th percentile."""
    lo, hi = np.percentile(pixels, [1.0, 99.5])
    return (np.clip((pixels - lo) / max(hi - lo, 1e-6), 0, 1) * 255).astype(np.uint8)


def overlay_png(
    path: Path,
    pixels: np.ndarray,
    cam: np.ndarray,
    landmarks=None,
    *,
    opacity: float = 0.6,
    scale: int = 3,
) -> Path:
    """Write the frame with the signed map blended by |value| and the predicted landmarks."""
    g = grey(np.asarray(pixels, dtype=np.float32))[..., None].repeat(3, axis=-1).astype(np.float32)
    alpha = (opacity * np.abs(np.nan_to_num(cam, nan=0.0)))[..., None]
    rgb = (g * (1 - alpha) + diverging_rgb(cam) * alpha).astype(np.uint8)
    img = Image.fromarray(rgb).resize(
        (rgb.shape[1] * scale, rgb.shape[0] * scale), Image.Resampling.BILINEAR
    )
    draw = ImageDraw.Draw(img)
    if landmarks is not None:
        _draw_landmarks(draw, landmarks, scale)
    _legend(draw, img.size)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)
    return path


def _draw_landmarks(draw: ImageDraw.ImageDraw, lm, scale: int) -> None:
    def p(pt):
        return ((pt[0] + 0.5) * scale - 0.5, (pt[1] + 0.5) * scale - 0.5)

    mid = ((lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2)
    draw.line([p(lm.apex), p(mid)], fill=(255, 220, 0), width=2)
    draw.line([p(lm.w1), p(lm.w2)], fill=(0, 230, 120), width=2)
    draw.line([p(lm.hinge_a), p(lm.hinge_b)], fill=(255, 220, 0), width=1)
    for pt in lm.points():
        x, y = p(pt)
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], outline=(255, 255, 255), width=2)


def _legend(draw: ImageDraw.ImageDraw, size) -> None:
    w, h = size
    bar_w, bar_h, x0, y0 = min(160, w // 3), 10, 8, h - 28
    for i in range(bar_w):
        colour = tuple(int(c) for c in diverging_rgb(np.array(2 * i / (bar_w - 1) - 1)))
        draw.line([(x0 + i, y0), (x0 + i, y0 + bar_h)], fill=colour)
    draw.text((x0, y0 + bar_h + 2), "lowers SI", fill=(255, 255, 255))
    draw.text((x0 + bar_w - 48, y0 + bar_h + 2), "raises SI", fill=(255, 255, 255))
