"""Lossless pixel storage: canonical little-endian bytes, zlib blobs and the content hash."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import numpy as np

from core.store.errors import StoreError

# Fast level: import speed matters more than the last few percent of file size.
ZLIB_LEVEL = 3
ALLOWED_KINDS = "biuf"  # bool, signed, unsigned, float


@dataclass(frozen=True)
class EncodedPixels:
    blob: bytes
    shape: tuple[int, int]
    dtype: str  # numpy dtype.str, always little-endian (or byte-order free)
    content_hash: str


def canonical(pixels: np.ndarray) -> np.ndarray:
    """A C-ordered, little-endian 2-D array: the form that is hashed and stored."""
    array = np.asarray(pixels)
    if array.ndim != 2:
        raise StoreError(f"an image must be a 2-D frame, got shape {array.shape}")
    if array.dtype.kind not in ALLOWED_KINDS:
        raise StoreError(f"pixel type {array.dtype} cannot be stored (numbers only)")
    if array.size == 0:
        raise StoreError("an image must hold at least one pixel")
    return np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))


def content_hash(array: np.ndarray) -> str:
    """sha256 of shape, dtype and the decoded pixels: equal frames hash equal, whatever the file."""
    digest = hashlib.sha256()
    digest.update(f"{array.shape[0]}x{array.shape[1]}:{array.dtype.str}:".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def encode(pixels: np.ndarray) -> EncodedPixels:
    """Compress a frame for the image_pixels table."""
    array = canonical(pixels)
    return EncodedPixels(
        blob=zlib.compress(array.tobytes(), ZLIB_LEVEL),
        shape=(int(array.shape[0]), int(array.shape[1])),
        dtype=array.dtype.str,
        content_hash=content_hash(array),
    )


def decode(blob: bytes, shape: tuple[int, int], dtype: str) -> np.ndarray:
    """The stored frame as a writable array of its original dtype and shape."""
    raw = bytearray(zlib.decompress(blob))
    array = np.frombuffer(raw, dtype=np.dtype(dtype))
    if array.size != shape[0] * shape[1]:
        raise StoreError(f"stored pixels do not match their shape {shape}: the project is damaged")
    return array.reshape(shape)
