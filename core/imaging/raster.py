"""PNG / TIFF / JPEG reader (Pillow): 8- or 16-bit frames, colour to gray, spacing unknown."""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import numpy as np

from core.imaging.deid import content_key
from core.imaging.files import open_bytes
from core.imaging.pixels import to_grayscale
from core.imaging.types import DecodedFile, DecodedFrame, ImageReadError, Limits

RASTER_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
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
                check_png_rows(data)
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


def check_png_rows(data: bytes) -> None:
    """ImageReadError when a PNG's image data holds fewer rows than its header declares.

    Pillow stops quietly where the compressed data ends and leaves the missing rows zero; the
    inflated data is counted here (in bounded pieces, never all held) against the header.
    """
    if not data.startswith(PNG_SIGNATURE):
        return
    expected, pos, got = None, 8, 0
    inflater = zlib.decompressobj()
    while pos + 8 <= len(data) and (expected is None or got < expected):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR" and len(body) >= 13:
            expected = _png_data_bytes(*struct.unpack(">IIBBBBB", body[:13]))
        elif kind == b"IDAT":
            while body and got < (expected or 0):
                got += len(inflater.decompress(body, 1 << 20))
                body = inflater.unconsumed_tail
        elif kind == b"IEND":
            break
        pos += 12 + length
    if expected is not None and got < expected:
        raise ImageReadError(
            f"truncated: the PNG's image data holds {got} of the {expected} bytes its header "
            "declares (rows missing)"
        )


def _png_data_bytes(width, height, depth, colour, _compression, _filter, interlace) -> int:
    """Inflated size of a PNG's image data: each row of each pass, plus its filter byte."""
    bits = depth * _PNG_CHANNELS.get(colour, 1)
    passes = _ADAM7 if interlace == 1 else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        cols, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if cols > 0 and rows > 0:
            total += rows * (1 + -(-cols * bits // 8))
    return total


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
