"""DICOM reader: pydicom's test files, compressed syntaxes, enhanced MR, limits, errors."""

import numpy as np
import pydicom
import pytest
from imaging_samples import enhanced_mr_file, frame, mr_file
from pydicom.data import get_testdata_file
from pydicom.pixels import get_decoder
from pydicom.uid import JPEGLSLossless, generate_uid

from core.geometry import Spacing
from core.imaging import ImageReadError, Limits, decode_path, pseudonym, read_header

SECRET = "test-secret"


def _decode(name: str):
    return decode_path(get_testdata_file(name), SECRET)


def test_mr_small_keeps_integers_spacing_window_and_keys():
    decoded = _decode("MR_small.dcm")
    reference = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    (only,) = decoded.frames
    assert only.pixels.dtype == np.int16
    np.testing.assert_array_equal(only.pixels, reference.pixel_array)
    assert only.spacing == Spacing(0.3125, 0.3125)
    assert only.window == (600.0, 1600.0)
    assert decoded.series_key == pseudonym(SECRET, "series", reference.SeriesInstanceUID)
    assert decoded.subject_key == pseudonym(SECRET, "patient", reference.PatientID)
    assert reference.SeriesInstanceUID not in decoded.series_key


@pytest.mark.parametrize(
    "name",
    [
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_bigendian.dcm",
        "MR_small_implicit.dcm",
    ],
)
def test_lossless_syntaxes_decode_to_the_same_pixels(name):
    expected = _decode("MR_small.dcm").frames[0].pixels
    np.testing.assert_array_equal(_decode(name).frames[0].pixels, expected)


@pytest.mark.parametrize(
    "name",
    ["emri_small_RLE.dcm", "emri_small_jpeg_ls_lossless.dcm", "emri_small_jpeg_2k_lossless.dcm"],
)
def test_enhanced_mr_multiframe_compressed_equals_uncompressed(name):
    expected = _decode("emri_small.dcm")
    got = _decode(name)
    assert len(got.frames) == len(expected.frames) == 10
    for a, b in zip(got.frames, expected.frames, strict=True):
        np.testing.assert_array_equal(a.pixels, b.pixels)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("JPEG-LL.dcm", (1024, 256)),  # JPEG lossless, process 14
        ("JPGLosslessP14SV1_1s_1f_8b.dcm", (768, 1024)),  # JPEG lossless SV1
        ("JPEG2000.dcm", (1024, 256)),  # JPEG 2000
        ("SC_rgb_jpeg_dcmtk.dcm", (100, 100)),  # JPEG baseline, colour
        ("image_dfl.dcm", (512, 512)),  # deflated explicit VR
        ("JPGExtended.dcm", (1024, 256)),  # JPEG extended, 12-bit
        ("JPEGLSNearLossless_16.dcm", (50, 10)),  # JPEG-LS near-lossless
        ("SC_rgb_rle_2frame.dcm", (100, 100)),  # RLE, colour, two frames
        ("RG3_J2KI.dcm", (1760, 1760)),  # JPEG 2000 lossy, pydicom-data
    ],
)
def test_other_transfer_syntaxes(name, shape):
    decoded = _decode(name)
    assert decoded.frames[0].pixels.shape == shape
    assert decoded.frames[0].pixels.ndim == 2


def test_jpeg_lossless_matches_the_same_image_uncompressed():
    lossless = _decode("JPEG-LL.dcm").frames[0]
    j2k = _decode("JPEG2000.dcm").frames[0]
    assert lossless.spacing == Spacing(2.26, 2.26)
    # JPEG 2000 here is lossy: the same picture, close but not equal.
    diff = np.abs(lossless.pixels.astype(float) - j2k.pixels.astype(float))
    assert np.median(diff) < 0.02 * float(np.ptp(lossless.pixels))


def test_colour_becomes_gray_luma():
    decoded = _decode("SC_rgb.dcm")
    rgb = pydicom.dcmread(get_testdata_file("SC_rgb.dcm")).pixel_array.astype(float)
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    gray = decoded.frames[0].pixels
    assert gray.shape == rgb.shape[:2] and gray.dtype == np.uint8
    assert np.abs(gray - luma).max() <= 0.5 + 1e-6


def test_rescale_applied_as_float32():
    decoded = _decode("CT_small.dcm")
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    pixels = decoded.frames[0].pixels
    assert pixels.dtype == np.float32
    expected = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_allclose(pixels, expected)


def test_window_from_voi_lut():
    window = _decode("vlut_04.dcm").frames[0].window
    assert window == (128.0, 256.0)  # 256 entries from 0


def test_enhanced_functional_groups_give_spacing_rescale_window_and_ed(tmp_path):
    stack = np.stack([frame(i) for i in range(4)])
    path = enhanced_mr_file(
        tmp_path / "e.dcm", stack, series_uid=generate_uid(), triggers_ms=[120.0, 5.0, 60.0, 200.0]
    )
    decoded = decode_path(str(path), SECRET)
    assert [f.frame_time_ms for f in decoded.frames] == [120.0, 5.0, 60.0, 200.0]
    assert decoded.ed_index == 1  # the lowest trigger time: nearest the R wave
    first = decoded.frames[0]
    assert first.spacing == Spacing(1.8, 1.6)
    assert first.window == (500.0, 1200.0)
    np.testing.assert_allclose(first.pixels, stack[0] * 2.0 - 10.0)
    assert first.pixels.dtype == np.float32


def test_imager_pixel_spacing_and_unknown_spacing(tmp_path):
    uid = generate_uid()
    with_imager = mr_file(
        tmp_path / "a.dcm", frame(1), series_uid=uid, spacing=None, ImagerPixelSpacing=[0.7, 0.9]
    )
    without = mr_file(tmp_path / "b.dcm", frame(2), series_uid=uid, spacing=None)
    assert decode_path(str(with_imager), SECRET).frames[0].spacing == Spacing(0.7, 0.9)
    assert decode_path(str(without), SECRET).frames[0].spacing is None


def test_truncated_pixel_data_is_named():
    with pytest.raises(ImageReadError, match="truncated"):
        _decode("MR_truncated.dcm")


def test_missing_decoder_names_the_plugin(monkeypatch):
    decoder = get_decoder(JPEGLSLossless)
    monkeypatch.setattr(decoder, "_available", {})
    with pytest.raises(ImageReadError, match="pylibjpeg-libjpeg") as caught:
        _decode("MR_small_jpeg_ls_lossless.dcm")
    assert "JPEG-LS Lossless" in str(caught.value)


def test_syntax_without_any_decoder(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG-2 video
    ds.save_as(tmp_path / "video.dcm")
    with pytest.raises(ImageReadError, match="no decoder for MPEG2"):
        decode_path(str(tmp_path / "video.dcm"), SECRET)


def test_oversized_frame_refused_from_header_before_decoding(tmp_path):
    path = mr_file(tmp_path / "big.dcm", frame(3), series_uid=generate_uid())
    ds = pydicom.dcmread(path)
    ds.Rows, ds.Columns = 9000, 16  # pixel data stays tiny: decoding would fail, not the limit
    ds.save_as(path)
    with pytest.raises(ImageReadError, match=r"over the size limit.*8192"):
        decode_path(str(path), SECRET)


def test_total_decoded_bytes_refused(tmp_path):
    path = mr_file(tmp_path / "many.dcm", frame(4), series_uid=generate_uid())
    ds = pydicom.dcmread(path)
    ds.NumberOfFrames = 1_000_000  # 1.5 GB decoded
    ds.save_as(path)
    with pytest.raises(ImageReadError, match=r"over the size limit: .* MiB decoded"):
        decode_path(str(path), SECRET)
    with pytest.raises(ImageReadError, match="over the size limit"):
        decode_path(str(tmp_path / "many.dcm"), SECRET, Limits(max_decoded_bytes=1000))


def test_not_an_image_and_not_dicom(tmp_path):
    with pytest.raises(ImageReadError, match="no pixel data"):
        _decode("rtplan.dcm")
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"\x00" * 10)
    with pytest.raises(ImageReadError):
        decode_path(str(junk), SECRET)


def test_header_for_grouping(tmp_path):
    uid = generate_uid()
    path = mr_file(tmp_path / "h.dcm", frame(5), series_uid=uid, instance=7, trigger_ms=42.5)
    header = read_header(str(path), SECRET)
    assert header.series_key == pseudonym(SECRET, "series", uid)
    assert (header.instance_number, header.trigger_time_ms, header.n_frames) == (7, 42.5, 1)
    assert pseudonym("other-secret", "series", uid) != header.series_key


def test_monochrome1_is_shown_like_monochrome2(tmp_path):
    pixels = frame(6)
    path = mr_file(
        tmp_path / "m1.dcm",
        pixels,
        series_uid=generate_uid(),
        PhotometricInterpretation="MONOCHROME1",
        WindowCenter=1000,
        WindowWidth=400,
    )
    decoded = decode_path(str(path), SECRET).frames[0]
    lo, hi = int(pixels.min()), int(pixels.max())
    np.testing.assert_array_equal(decoded.pixels, hi + lo - pixels.astype(int))
    assert decoded.pixels.dtype == pixels.dtype
    assert decoded.window == (hi + lo - 1000.0, 400.0)
