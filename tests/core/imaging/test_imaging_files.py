"""NIfTI and PNG / TIFF / JPEG readers: orientation, spacing, bit depth, colour, limits."""

import gzip

import numpy as np
import pytest
from imaging_samples import nifti_file, png_file
from PIL import Image

from core.imaging import (
    ImageReadError,
    Limits,
    classify,
    decode_path,
    decode_unkept,
    read_labels,
)

SECRET = "test-secret"


def _cine(i=20, j=12, t=5):
    """(i, j, t) values where each voxel encodes its indices: i + 100 j + 10000 t."""
    ii, jj, tt = np.meshgrid(np.arange(i), np.arange(j), np.arange(t), indexing="ij")
    return (ii + 100 * jj + 10000 * tt).astype(np.int32)


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_nifti_cine_rows_follow_j_and_spacing_follows_axes(tmp_path, suffix):
    volume = _cine()
    path = nifti_file(tmp_path / f"cine{suffix}", volume, zooms=(0.8, 1.7, 40.0))
    decoded = decode_path(str(path), SECRET)
    assert len(decoded.frames) == 5
    first = decoded.frames[0]
    assert first.pixels.shape == (12, 20)  # rows = j, columns = i
    assert first.pixels[3, 7] == 7 + 100 * 3  # (row j=3, col i=7)
    assert decoded.frames[4].pixels[0, 0] == 40000
    assert (first.spacing.row_mm, first.spacing.col_mm) == pytest.approx((1.7, 0.8))
    assert first.pixels.dtype == np.int32  # no scaling: stored integers kept


def test_nifti_4d_single_slice_with_time_step_and_units(tmp_path):
    volume = _cine()[:, :, np.newaxis, :]
    path = nifti_file(
        tmp_path / "c.nii.gz", volume, zooms=(0.0008, 0.0009, 0.008, 0.03), units=("meter", "sec")
    )
    decoded = decode_path(str(path), SECRET)
    spacing = decoded.frames[0].spacing
    assert (spacing.row_mm, spacing.col_mm) == (pytest.approx(0.9), pytest.approx(0.8))
    assert decoded.frame_interval_ms == pytest.approx(30.0)
    assert decoded.frames[2].frame_time_ms == pytest.approx(60.0)


def test_nifti_scaled_values_become_float32(tmp_path):
    volume = _cine().astype(np.int16)[:, :, :2] % 1000
    path = nifti_file(tmp_path / "s.nii", volume.astype(np.int16), zooms=(1, 1, 1), slope=(0.5, 3))
    pixels = decode_path(str(path), SECRET).frames[1].pixels
    assert pixels.dtype == np.float32
    np.testing.assert_allclose(pixels, volume[:, :, 1].T * 0.5 + 3)


def test_nifti_volume_over_time_is_refused(tmp_path):
    path = nifti_file(tmp_path / "v.nii", np.zeros((8, 8, 3, 4), np.int16), zooms=(1, 1, 1, 1))
    with pytest.raises(ImageReadError, match="only 2-D and 2-D\\+time"):
        decode_path(str(path), SECRET)


def test_nifti_gzip_bomb_stops_at_the_cap(tmp_path):
    path = nifti_file(tmp_path / "z.nii", np.zeros((512, 512, 8), np.int16), zooms=(1, 1, 1))
    (tmp_path / "z.nii.gz").write_bytes(gzip.compress(path.read_bytes()))
    with pytest.raises(ImageReadError, match="over the size limit"):
        decode_path(str(tmp_path / "z.nii.gz"), SECRET, Limits(max_decoded_bytes=100_000))


def test_nifti_truncated(tmp_path):
    path = nifti_file(tmp_path / "t.nii", _cine(), zooms=(1, 1, 1))
    (tmp_path / "cut.nii").write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ImageReadError, match="NIfTI"):
        decode_path(str(tmp_path / "cut.nii"), SECRET)


def test_png_8_and_16_bit_kept(tmp_path):
    eight = np.arange(40 * 30, dtype=np.uint8).reshape(30, 40)
    sixteen = (np.arange(40 * 30, dtype=np.uint16) * 50).reshape(30, 40)
    a = decode_path(str(png_file(tmp_path / "a.png", eight)), SECRET).frames[0]
    b = decode_path(str(png_file(tmp_path / "b.png", sixteen)), SECRET).frames[0]
    np.testing.assert_array_equal(a.pixels, eight)
    np.testing.assert_array_equal(b.pixels, sixteen)
    assert b.pixels.dtype == np.uint16
    assert a.spacing is None and b.spacing is None  # spacing unknown


def test_colour_png_and_palette_become_gray(tmp_path):
    rgb = np.zeros((10, 12, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 100, 50
    gray = decode_path(str(png_file(tmp_path / "c.png", rgb)), SECRET).frames[0].pixels
    assert gray.shape == (10, 12) and gray.dtype == np.uint8
    assert int(gray[0, 0]) == round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)
    Image.fromarray(rgb).convert("P").save(tmp_path / "p.png")
    assert decode_path(str(tmp_path / "p.png"), SECRET).frames[0].pixels.shape == (10, 12)


def test_multipage_tiff_16_bit(tmp_path):
    pages = [Image.fromarray((np.full((8, 9), k * 1000 + 7)).astype(np.uint16)) for k in range(3)]
    pages[0].save(tmp_path / "m.tif", save_all=True, append_images=pages[1:])
    decoded = decode_path(str(tmp_path / "m.tif"), SECRET)
    assert [int(f.pixels[0, 0]) for f in decoded.frames] == [7, 1007, 2007]
    assert decoded.frames[0].pixels.dtype == np.uint16


def test_jpeg_gray_and_colour(tmp_path):
    ramp = np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1))
    png_file(tmp_path / "g.jpg", ramp, quality=95)
    png_file(tmp_path / "c.jpeg", np.stack([ramp] * 3, axis=-1), quality=95)
    for name in ("g.jpg", "c.jpeg"):
        pixels = decode_path(str(tmp_path / name), SECRET).frames[0].pixels
        assert pixels.shape == (48, 64)
        assert np.abs(pixels.astype(int) - ramp).max() < 12  # lossy, but the same picture


def test_png_over_side_limit_refused_before_decoding(tmp_path):
    png_file(tmp_path / "wide.png", np.zeros((2, 9000), np.uint8))
    with pytest.raises(ImageReadError, match="over the size limit"):
        decode_path(str(tmp_path / "wide.png"), SECRET)


def test_not_an_image(tmp_path):
    (tmp_path / "x.png").write_bytes(b"hello, not a picture")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ImageReadError, match="not an image"):
        decode_path(str(tmp_path / "x.png"), SECRET)
    assert classify(str(tmp_path / "notes.txt")) is None
    with pytest.raises(ImageReadError, match="not an image"):
        decode_path(str(tmp_path / "notes.txt"), SECRET)


def test_labels_keep_palette_indices_and_nifti_orientation(tmp_path):
    labels = np.zeros((10, 14), np.uint8)
    labels[2:5, 3:9], labels[6:8, 1:4] = 1, 4
    image = Image.fromarray(labels, mode="L").convert("P")
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9] * 51)
    Image.fromarray(labels).save(tmp_path / "gray.png")
    image.save(tmp_path / "pal.png")
    for name in ("gray.png", "pal.png"):
        np.testing.assert_array_equal(read_labels(str(tmp_path / name))[0], labels)
    nifti_file(tmp_path / "m.nii.gz", labels.T.astype(np.int16), zooms=(1, 1))
    np.testing.assert_array_equal(read_labels(str(tmp_path / "m.nii.gz"))[0], labels)


def test_png_bomb_header_refused_without_decoding(tmp_path):
    """A tiny PNG whose header claims 60000 x 60000 pixels (a decompression bomb)."""
    import struct
    import zlib

    data = bytearray(png_file(tmp_path / "small.png", np.zeros((4, 4), np.uint8)).read_bytes())
    ihdr = 8  # chunk length (4), type (4), then width and height
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", 60000, 60000)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 8 + 13]))
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = struct.pack(">I", crc)
    (tmp_path / "bomb.png").write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match="over the size limit"):
        decode_path(str(tmp_path / "bomb.png"), SECRET)


def test_unkept_files_decode_alike_with_keys_that_link_to_nothing(tmp_path):
    path = str(png_file(tmp_path / "loose.png", np.arange(64, dtype=np.uint8).reshape(8, 8)))
    kept, first, second = decode_path(path, SECRET), decode_unkept(path), decode_unkept(path)
    np.testing.assert_array_equal(first.frames[0].pixels, kept.frames[0].pixels)
    assert len({kept.series_key, first.series_key, second.series_key}) == 3
