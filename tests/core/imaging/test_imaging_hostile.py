"""Hostile files: deflate bombs, lying NIfTI headers, pipes and devices, PNGs missing rows.

Memory peaks are measured in a fresh process (its VmHWM), never in the test process.
"""

from __future__ import annotations

import io
import os
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.uid import generate_uid

from core.imaging import ImageReadError, decode_path, read_header
from core.imaging.raster import check_png_rows
from tests.core.imaging.imaging_bombs import (
    MIB,
    decode_in_subprocess,
    deflated_dicom_bomb,
    gzip_of,
    nifti_header,
)
from tests.core.imaging.imaging_samples import MR_STORAGE, _base, frame, mr_file, png_file

PEAK_LIMIT_MB = 600


def _small_header_dataset():
    ds = _base(MR_STORAGE, generate_uid(), 64, 64)
    ds.PixelSpacing = [1.5, 1.5]
    return ds


# -- deflate bombs -------------------------------------------------------------------------------


@pytest.mark.slow
def test_deflate_bomb_is_refused_with_a_small_memory_peak(tmp_path):
    bomb = deflated_dicom_bomb(tmp_path / "bomb.dcm", _small_header_dataset(), inflated_mib=512)
    assert bomb.stat().st_size < 2 * MIB
    result = decode_in_subprocess(bomb)
    assert result["outcome"].startswith("refused: over the size limit"), result
    assert "inflates to more than" in result["outcome"]
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


def test_deflate_bomb_header_read_is_bounded_too(tmp_path):
    bomb = deflated_dicom_bomb(tmp_path / "bomb.dcm", _small_header_dataset(), inflated_mib=8)
    with pytest.raises(ImageReadError, match="inflates to more than"):
        read_header(str(bomb), b"key")
    with pytest.raises(ImageReadError, match="inflates to more than"):
        decode_path(str(bomb), b"key")


def test_an_honest_deflated_file_still_reads(tmp_path):
    from pydicom import dcmread

    pixels = frame(5, shape=(24, 32))
    path = mr_file(tmp_path / "plain.dcm", pixels, series_uid=generate_uid(), trigger_ms=12.0)
    ds = dcmread(path)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.99"
    ds.save_as(tmp_path / "deflated.dcm", enforce_file_format=True)
    raw = (tmp_path / "deflated.dcm").read_bytes()
    assert pixels.tobytes()[:64] not in raw  # really deflated on disk
    decoded = decode_path(str(tmp_path / "deflated.dcm"), b"key")
    np.testing.assert_array_equal(decoded.frames[0].pixels, pixels)
    header = read_header(str(tmp_path / "deflated.dcm"), b"key")
    assert header.trigger_time_ms == 12.0 and header.series_key is not None


# -- NIfTI headers that lie ----------------------------------------------------------------------


def test_a_416_byte_nifti_declaring_a_gibibyte_is_refused_from_its_size(tmp_path):
    path = tmp_path / "liar.nii"
    path.write_bytes(nifti_header((8192, 8192, 8)) + b"\0" * 64)
    assert path.stat().st_size == 416
    result = decode_in_subprocess(path)
    assert result["outcome"].startswith("refused: truncated"), result
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


@pytest.mark.slow
def test_an_over_limit_nifti_gz_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.nii.gz"
    # 8192 x 8192 x 9 int16: 1.125 GiB declared (over the 1 GiB limit), and really there.
    path.write_bytes(gzip_of(nifti_header((8192, 8192, 9)), 1154))
    assert path.stat().st_size < 4 * MIB
    result = decode_in_subprocess(path)
    assert result["outcome"].startswith("refused: over the size limit"), result
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


def test_a_nifti_gz_shorter_than_its_header_says_is_truncated(tmp_path):
    path = tmp_path / "short.nii.gz"
    path.write_bytes(gzip_of(nifti_header((512, 512, 4)), 1))  # needs 2 MiB, holds 1
    with pytest.raises(ImageReadError, match="truncated"):
        decode_path(str(path), b"key")


# -- pipes and devices ---------------------------------------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", ["pipe.png", "pipe.dcm", "pipe.nii", "pipe"])
def test_a_named_pipe_is_refused_without_blocking(tmp_path, name):
    path = tmp_path / name
    os.mkfifo(path)
    if name == "pipe":
        from core.imaging import classify

        assert classify(str(path)) is None  # sniffing the DICOM marker must not block
        return
    with pytest.raises(ImageReadError, match="not a regular file \\(a named pipe\\)"):
        decode_path(str(path), b"key")


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", ["zero.dcm", "zero.png", "zero.nii.gz"])
def test_a_link_to_a_device_is_refused(tmp_path, name):
    path = tmp_path / name
    path.symlink_to("/dev/zero")
    with pytest.raises(ImageReadError, match="not a regular file \\(a character device\\)"):
        decode_path(str(path), b"key")
    with pytest.raises(ImageReadError, match="character device"):
        read_header(str(path), b"key")


# -- PNG rows --------------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _gray_png(width: int, rows_declared: int, rows_held: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([r % 251]) * width for r in range(rows_held))
    ihdr = struct.pack(">IIBBBBB", width, rows_declared, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def test_a_png_claiming_more_rows_than_it_holds_is_refused(tmp_path):
    path = tmp_path / "tall.png"
    path.write_bytes(_gray_png(156, 8192, 156))
    with pytest.raises(ImageReadError, match="truncated"):
        decode_path(str(path), b"key")
    path.write_bytes(_gray_png(156, 156, 156))  # the same rows, honestly declared
    assert decode_path(str(path), b"key").frames[0].pixels.shape == (156, 156)


MODES = st.sampled_from(["L", "I;16", "RGB", "RGBA", "P", "1", "LA"])


@settings(max_examples=40, deadline=None)
@given(mode=MODES, width=st.integers(1, 40), height=st.integers(1, 40), seed=st.integers(0, 9))
def test_png_row_count_matches_pillow_and_a_missing_row_is_caught(mode, width, height, seed):
    from PIL import Image

    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    check_png_rows(buffer.getvalue())  # every honest PNG passes
    # The same header over one row less of image data is refused.
    data = buffer.getvalue()
    start = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[start : start + 4])[0]
    inflated = zlib.decompress(data[start + 8 : start + 8 + length])
    shorter = inflated[: len(inflated) - len(inflated) // height]
    cut = data[:start] + _chunk(b"IDAT", zlib.compress(shorter)) + _chunk(b"IEND", b"")
    with pytest.raises(ImageReadError, match="truncated"):
        check_png_rows(cut)


def test_png_rows_counted_through_interlacing(tmp_path):
    # Pillow does not write interlaced PNGs: an Adam7 file of a 9 x 5 gray image by hand.
    width, height = 9, 5
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
    passes += ((0, 1, 1, 2),)
    raw = b""
    for x0, y0, dx, dy in passes:
        cols, rows = len(range(x0, width, dx)), len(range(y0, height, dy))
        if cols and rows:
            raw += (b"\x00" + b"\x80" * cols) * rows
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    body = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")
    path = png_file(tmp_path / "unused.png", np.zeros((2, 2), np.uint8))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    np.testing.assert_array_equal(decode_path(str(path), b"k").frames[0].pixels, 128)
    short = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw[:-3]))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + short + _chunk(b"IEND", b""))
    with pytest.raises(ImageReadError, match="truncated"):
        decode_path(str(path), b"k")
