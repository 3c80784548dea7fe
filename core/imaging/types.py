"""Decoded-frame types of the imaging readers, their error, and the limits against bombs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.geometry import Spacing
from core.vocab import View

MAX_SIDE_PX = 8192
MAX_DECODED_BYTES = 1 << 30  # per file: a long enhanced cine fits, a decompression bomb does not


class ImageReadError(Exception):
    """A file that cannot be imported, with a reason a user can act on.

    The message never holds file contents (names, IDs, dates): only the reason, so that it may
    be shown and logged beside the path the user gave.
    """


@dataclass(frozen=True)
class Limits:
    """What one file may decode to; checked from the header, before any pixel is decoded."""

    max_side_px: int = MAX_SIDE_PX
    max_decoded_bytes: int = MAX_DECODED_BYTES

    def check(self, rows: int, cols: int, n_frames: int, bytes_per_pixel: int) -> int:
        """The declared size in bytes; ImageReadError when it is empty or over the limits."""
        if min(rows, cols, n_frames) <= 0:
            raise ImageReadError(f"empty image ({rows} x {cols} pixels, {n_frames} frames)")
        if max(rows, cols) > self.max_side_px:
            raise ImageReadError(
                f"over the size limit: {cols} x {rows} pixels "
                f"(at most {self.max_side_px} pixels a side)"
            )
        decoded = rows * cols * n_frames * max(bytes_per_pixel, 1)
        if decoded > self.max_decoded_bytes:
            raise ImageReadError(
                f"over the size limit: {decoded / 2**20:.0f} MiB decoded "
                f"(at most {self.max_decoded_bytes / 2**20:.0f} MiB a file)"
            )
        return decoded


@dataclass(frozen=True)
class DecodedFrame:
    """One 2-D frame and only what the application keeps of it."""

    pixels: np.ndarray  # (rows, cols); integer when stored values need no rescale, else float32
    spacing: Spacing | None  # None: spacing unknown
    window: tuple[float, float] | None = None  # (center, width) in pixel value units
    frame_time_ms: float | None = None  # trigger time (time after the R wave) when known


@dataclass
class DecodedFile:
    """What one file gives: its frames in acquisition order and their series identity."""

    frames: list[DecodedFrame]
    series_key: str  # pseudonymous (keyed hash), never a source identifier
    subject_key: str | None = None
    ed_index: int | None = None  # the frame the data marks as ED, if any
    frame_interval_ms: float | None = None
    view: View = "unknown"  # from the series description (core.imaging.view), never the text
