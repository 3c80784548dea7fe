"""PNG / TIFF / JPEG reader (Pillow): 8- or 16-bit frames, colour to gray, spacing unknown."""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import numpy as np

from core.imaging.deid import content_key
from core.imaging.dicom import open_bytes
from core.imaging.pixels import to_grayscale
from core.imaging.types import DecodedFile, DecodedFrame, ImageReadError, Limits

RASTER_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I": 4, "F": 4}


def is_raster_name(path: str) -> bool:
    """True for a .png, .tif(f) or .jp(e)g file name."""
    return path.lower().endswith(RASTER_SUFFIXES)


def decode_raster(path: str, secret: str | bytes, limits: Limits | None = None) -> DecodedFile:
    """Gray frames of a PNG, JPEG or (multi-page) TIFF; spacing is unknown."""
    limits = limits or Limits()
    data = open_bytes(path, limits.max_decoded_bytes)
    arrays = _frames(data, limits, labels=False)
    frames = [DecodedFrame(pixels=a, spacing=None) for a in arrays]
    return DecodedFile(frames=frames, series_key=content_key(secret, data))


def read_raster_labels(path: str, limits: Limits | None = None) -> list[np.ndarray]:
    """Integer label frames of a gray or palette mask image (palette indices are the labels)."""
    limits = limits or Limits()
    arrays = _frames(open_bytes(path, limits.max_decoded_bytes), limits, labels=True)
    return [a.astype(np.int32) for a in arrays]


def _frames(data: bytes, limits: Limits, *, labels: bool) -> list[np.ndarray]:
    from PIL import Image, UnidentifiedImageError

    errors: tuple[type[BaseException], ...] = (
        OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError, KeyError
    )  # fmt: skip
    errors += (struct.error, zlib.error, MemoryError, OverflowError, Image.DecompressionBombError)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                n_frames = int(getattr(image, "n_frames", 1) or 1)
                width, height = image.size
                limits.check(height, width, n_frames, 4 * _BYTES_PER_PIXEL.get(image.mode, 4))
                arrays = []
                for index in range(n_frames):
                    image.seek(index)
                    arrays.append(_gray(image, labels))
                return arrays
    except UnidentifiedImageError:
        raise ImageReadError("not an image: Pillow does not recognise the file") from None
    except Image.DecompressionBombError:
        raise ImageReadError("over the size limit: too many pixels") from None
    except errors as exc:
        raise ImageReadError(
            f"not a readable image (truncated or corrupt: {type(exc).__name__})"
        ) from None


def _gray(image, labels: bool) -> np.ndarray:
    """One page as a 2-D array; 16-bit stays 16-bit, colour becomes BT.601 luma."""
    mode = image.mode
    if mode == "1":
        return np.asarray(image, dtype=np.uint8) * (1 if labels else 255)
    if mode in ("L", "I", "F") or mode.startswith("I;16"):
        array = np.asarray(image)
        return array.astype(array.dtype.newbyteorder("="))
    if labels:
        if mode == "P":
            return np.asarray(image)
        raise ImageReadError(f"a colour mask ({mode}): save labels as a gray or palette image")
    if mode in ("LA", "RGB", "RGBA"):
        return to_grayscale(np.asarray(image))
    return to_grayscale(np.asarray(image.convert("RGB")))
