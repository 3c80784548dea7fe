"""A contact sheet of phantom frames (the README's picture): `python -m core.phantom.sheet OUT`."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from core.phantom.generate import PhantomFrame, generate_cine, generate_frame

TILE = 256
BASE_SEEDS = (20, 22, 23, 24)
SHIFTED_SEEDS = (20, 21, 22, 23)
CINE_SEED = 4
ZOOM_MM = 110.0  # side of the square around the heart in the zoomed tiles


def _grey(frame: PhantomFrame) -> Image.Image:
    pixels = frame.pixels.astype(np.float32)
    hi = float(np.percentile(pixels, 99.5)) or 1.0
    return Image.fromarray((np.clip(pixels / hi, 0.0, 1.0) * 255).astype(np.uint8))


def _draw_landmarks(draw: ImageDraw.ImageDraw, frame: PhantomFrame, at) -> None:
    lm = frame.landmarks
    mid = ((lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2)
    draw.line([at(lm.hinge_a), at(lm.hinge_b)], fill=(90, 200, 255), width=2)
    draw.line([at(mid), at(lm.apex)], fill=(255, 210, 60), width=2)
    draw.line([at(lm.w1), at(lm.w2)], fill=(255, 90, 90), width=2)


def frame_tile(frame: PhantomFrame, *, landmarks: bool = False, label: str = "") -> Image.Image:
    """One frame windowed like a scanner display, in mm proportions, on a TILE x TILE square."""
    rows, cols = frame.pixels.shape
    height_mm, width_mm = rows * frame.spacing.row_mm, cols * frame.spacing.col_mm
    scale = TILE / max(height_mm, width_mm)  # screen pixels per mm
    size = (max(1, round(width_mm * scale)), max(1, round(height_mm * scale)))
    image = _grey(frame).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    if landmarks:
        sx, sy = frame.spacing.col_mm * scale, frame.spacing.row_mm * scale
        _draw_landmarks(draw, frame, lambda p: ((p[0] + 0.5) * sx, (p[1] + 0.5) * sy))
    text = label or f"{frame.view}  SI {frame.si:.2f}"
    draw.text((4, size[1] - 13), text, fill=(255, 255, 140))
    tile = Image.new("RGB", (TILE, TILE))
    tile.paste(image, ((TILE - size[0]) // 2, (TILE - size[1]) // 2))
    return tile


def zoom_tile(frame: PhantomFrame, *, label: str = "") -> Image.Image:
    """The heart of a frame enlarged (ZOOM_MM square around the LV) with its landmarks: the
    papillary muscles and trabeculae inside, the truth on the compact cavity border."""
    lm = frame.landmarks
    cx = (lm.hinge_a[0] + lm.hinge_b[0] + 2 * lm.apex[0]) / 4
    cy = (lm.hinge_a[1] + lm.hinge_b[1] + 2 * lm.apex[1]) / 4
    half_x, half_y = ZOOM_MM / 2 / frame.spacing.col_mm, ZOOM_MM / 2 / frame.spacing.row_mm
    box = (cx - half_x + 0.5, cy - half_y + 0.5, cx + half_x + 0.5, cy + half_y + 0.5)
    image = _grey(frame).convert("RGB")
    image = image.transform((TILE, TILE), Image.Transform.EXTENT, box, Image.Resampling.BICUBIC)
    sx, sy = TILE / (2 * half_x), TILE / (2 * half_y)
    draw = ImageDraw.Draw(image)
    _draw_landmarks(draw, frame, lambda p: ((p[0] + 0.5 - box[0]) * sx, (p[1] + 0.5 - box[1]) * sy))
    draw.text((4, TILE - 13), label, fill=(255, 255, 140))
    return image


def contact_sheet(columns: int = 4) -> Image.Image:
    """Base frames, shifted-family frames, then a base cine's ED and ES and two hearts enlarged."""
    tiles = [frame_tile(generate_frame(s), label=_label(generate_frame(s))) for s in BASE_SEEDS]
    for seed in SHIFTED_SEEDS:
        frame = generate_frame(seed, family="shifted")
        tiles.append(frame_tile(frame, label=_label(frame)))
    cine = generate_cine(CINE_SEED, n_frames=20)
    for name, index in (("ED", cine.ed_index), ("ES", cine.es_index)):
        frame = cine.frames[index]
        label = f"base cine {name} (frame {index})  SI {frame.si:.2f}"
        tiles.append(frame_tile(frame, landmarks=True, label=label))
    for family, seed in (("base", BASE_SEEDS[1]), ("shifted", SHIFTED_SEEDS[1])):
        frame = generate_frame(seed, family=family)
        tiles.append(zoom_tile(frame, label=f"{family}, enlarged  SI {frame.si:.2f}"))
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * TILE, rows * TILE))
    for k, tile in enumerate(tiles):
        sheet.paste(tile, ((k % columns) * TILE, (k // columns) * TILE))
    return sheet


def _label(frame: PhantomFrame) -> str:
    return f"{frame.family} {frame.view}  SI {frame.si:.2f}"


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "resources/phantoms.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    # a 256-colour palette keeps the committed picture small; greys and overlays survive it
    contact_sheet().quantize(256, dither=Image.Dither.NONE).save(out, optimize=True)
    print(f"wrote {out}")
