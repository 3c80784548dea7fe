"""A contact sheet of phantom frames (the README's picture): `python -m core.phantom.sheet OUT`."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from core.phantom.generate import PhantomFrame, generate_cine, generate_frame

TILE = 256
SINGLE_SEEDS = (20, 22, 23, 24, 31, 21)
CINE_SEED = 4


def frame_tile(frame: PhantomFrame, *, landmarks: bool = False, label: str = "") -> Image.Image:
    """One frame windowed like a scanner display, in mm proportions, on a TILE x TILE square."""
    pixels = frame.pixels.astype(np.float32)
    hi = float(np.percentile(pixels, 99.5)) or 1.0
    grey = Image.fromarray((np.clip(pixels / hi, 0.0, 1.0) * 255).astype(np.uint8))
    rows, cols = pixels.shape
    height_mm, width_mm = rows * frame.spacing.row_mm, cols * frame.spacing.col_mm
    scale = TILE / max(height_mm, width_mm)  # screen pixels per mm
    size = (max(1, round(width_mm * scale)), max(1, round(height_mm * scale)))
    image = grey.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    if landmarks:
        sx, sy = frame.spacing.col_mm * scale, frame.spacing.row_mm * scale

        def at(p):
            return ((p[0] + 0.5) * sx, (p[1] + 0.5) * sy)

        lm = frame.landmarks
        mid = ((lm.hinge_a[0] + lm.hinge_b[0]) / 2, (lm.hinge_a[1] + lm.hinge_b[1]) / 2)
        draw.line([at(lm.hinge_a), at(lm.hinge_b)], fill=(90, 200, 255), width=2)
        draw.line([at(mid), at(lm.apex)], fill=(255, 210, 60), width=2)
        draw.line([at(lm.w1), at(lm.w2)], fill=(255, 90, 90), width=2)
    text = label or f"{frame.view}  SI {frame.si:.2f}"
    draw.text((4, size[1] - 13), text, fill=(255, 255, 140))
    tile = Image.new("RGB", (TILE, TILE))
    tile.paste(image, ((TILE - size[0]) // 2, (TILE - size[1]) // 2))
    return tile


def contact_sheet(columns: int = 4) -> Image.Image:
    """Six single phantom frames, then the ED and ES frames of one cine with their landmarks."""
    tiles = [frame_tile(generate_frame(seed)) for seed in SINGLE_SEEDS]
    cine = generate_cine(CINE_SEED, n_frames=20)
    for name, index in (("ED", cine.ed_index), ("ES", cine.es_index)):
        frame = cine.frames[index]
        label = f"{name} (frame {index})  SI {frame.si:.2f}"
        tiles.append(frame_tile(frame, landmarks=True, label=label))
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * TILE, rows * TILE))
    for k, tile in enumerate(tiles):
        sheet.paste(tile, ((k % columns) * TILE, (k // columns) * TILE))
    return sheet


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "resources/phantoms.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    # a 256-colour palette keeps the committed picture small; greys and overlays survive it
    contact_sheet().quantize(256, dither=Image.Dither.NONE).save(out, optimize=True)
    print(f"wrote {out}")
