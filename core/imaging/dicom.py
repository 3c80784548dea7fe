"""DICOM reader: headers for grouping, then frames decoded with only what the project keeps.

Identifiers read here (SeriesInstanceUID, PatientID) leave this module only as keyed hashes;
everything else in the dataset (names, dates, descriptions, private tags) is never copied out.
Errors carry a reason of our own wording, never text from the file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import struct
import warnings
import zlib
from dataclasses import dataclass

import numpy as np
from pydicom.errors import BytesLengthException, InvalidDicomError

from core.geometry import GeometryError, Spacing
from core.imaging.deflate import is_deflated_file, undeflated
from core.imaging.deid import content_key, pseudonym
from core.imaging.files import open_bytes, open_regular
from core.imaging.pixels import finite_number, rescale, to_grayscale
from core.imaging.types import DecodedFile, DecodedFrame, ImageReadError, Limits
from core.imaging.view import view_from_description

# Anything a corrupt or hostile file can make pydicom or a decoder plugin raise while parsing.
PARSE_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    EOFError,
    OSError,
    struct.error,
    zlib.error,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    UnicodeError,
    RecursionError,
    MemoryError,
    InvalidDicomError,
    BytesLengthException,
)

_JPEG = "pylibjpeg with pylibjpeg-libjpeg (or python-gdcm)"
_J2K = "pylibjpeg with pylibjpeg-openjpeg (or python-gdcm)"
# Transfer syntax UID -> the plugin that decodes it.
DECODER_PLUGINS = {
    "1.2.840.10008.1.2.4.50": _JPEG,
    "1.2.840.10008.1.2.4.51": _JPEG,
    "1.2.840.10008.1.2.4.57": _JPEG,
    "1.2.840.10008.1.2.4.70": _JPEG,
    "1.2.840.10008.1.2.4.80": _JPEG,
    "1.2.840.10008.1.2.4.81": _JPEG,
    "1.2.840.10008.1.2.4.90": _J2K,
    "1.2.840.10008.1.2.4.91": _J2K,
    "1.2.840.10008.1.2.4.201": _J2K,
    "1.2.840.10008.1.2.4.202": _J2K,
    "1.2.840.10008.1.2.4.203": _J2K,
    "1.2.840.10008.1.2.5": "pylibjpeg with pylibjpeg-rle (or pydicom's own RLE decoder)",
}


@dataclass(frozen=True)
class DicomHeader:
    """What grouping a cine split over files needs, read without decoding pixels."""

    path: str
    series_key: str | None  # None: the file has no SeriesInstanceUID
    instance_number: int | None
    trigger_time_ms: float | None
    n_frames: int
    slice_position: str | None = None  # ImagePositionPatient to 0.1 mm; kept in memory only


def _drop(record: logging.LogRecord) -> bool:
    return False


@contextlib.contextmanager
def quiet_pydicom():
    """Silence pydicom while it reads: its warnings and log records quote element values.

    Invalid values are not validated (they would be reported with their text); values we use
    are checked by our own code. Not thread-safe: imports run one at a time.
    """
    from pydicom import config

    logger = logging.getLogger("pydicom")
    mode = config.settings.reading_validation_mode
    config.settings.reading_validation_mode = config.IGNORE
    logger.addFilter(_drop)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.removeFilter(_drop)
        config.settings.reading_validation_mode = mode


def _get(ds, keyword: str, default=None):
    """An element's value, or default when it is missing or its value does not parse."""
    try:
        value = ds.get(keyword, default)
    except PARSE_ERRORS:
        return default
    return default if value is None else value


def is_dicom(path: str | os.PathLike) -> bool:
    """True when a regular file carries the DICOM preamble marker ('DICM' at byte 128)."""
    try:
        with os.fdopen(open_regular(path), "rb") as fh:
            fh.seek(128)
            return fh.read(4) == b"DICM"
    except (OSError, ImageReadError):
        return False


def read_dataset(source, *, stop_before_pixels: bool, limits: Limits | None = None):
    """pydicom dataset of a path, an open file or bytes; ImageReadError for anything unreadable.

    A deflated dataset is inflated here, bounded by `limits`, never by pydicom. A path is opened
    only when it is a regular file (core.imaging.files).
    """
    import pydicom

    if isinstance(source, str | os.PathLike):
        try:
            with os.fdopen(open_regular(os.fspath(source)), "rb") as fh:
                return read_dataset(fh, stop_before_pixels=stop_before_pixels, limits=limits)
        except OSError as exc:
            raise ImageReadError(f"cannot read the file ({exc.strerror or _kind(exc)})") from None
    limits = limits or Limits()
    try:
        with quiet_pydicom():
            if not isinstance(source, bytes) and is_deflated_file(source):
                source = _read_capped(source, limits.max_decoded_bytes)
            if isinstance(source, bytes):
                source = io.BytesIO(undeflated(source, limits))
            return pydicom.dcmread(source, force=True, stop_before_pixels=stop_before_pixels)
    except ImageReadError:
        raise
    except PARSE_ERRORS as exc:
        raise ImageReadError(
            f"not a readable DICOM file (truncated or corrupt: {_kind(exc)})"
        ) from None


def _read_capped(fh, max_bytes: int) -> bytes:
    data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageReadError(f"over the size limit: more than {max_bytes / 2**20:.0f} MiB")
    return data


def read_header(path: str, secret: str | bytes, limits: Limits | None = None) -> DicomHeader:
    """Series key, instance number, trigger time and frame count of a DICOM file."""
    fd = open_regular(path)
    try:
        with os.fdopen(fd, "rb") as fh:
            ds = read_dataset(fh, stop_before_pixels=True, limits=limits)
    except OSError as exc:
        raise ImageReadError(f"cannot read the file ({exc.strerror or _kind(exc)})") from None
    try:
        with quiet_pydicom():
            uid = str(_get(ds, "SeriesInstanceUID", "")).strip()
            number = finite_number(_get(ds, "InstanceNumber"))
            return DicomHeader(
                path=path,
                series_key=pseudonym(secret, "series", uid) if uid else None,
                instance_number=None if number is None else int(number),
                trigger_time_ms=finite_number(_get(ds, "TriggerTime")),
                n_frames=_n_frames(ds),
                slice_position=_slice_position(ds),
            )
    except PARSE_ERRORS as exc:
        raise ImageReadError(f"unreadable DICOM header (corrupt: {_kind(exc)})") from None


def _slice_position(ds) -> str | None:
    """Where the slice lies, to tell the slices of a multi-slice series apart."""
    position = _get(ds, "ImagePositionPatient")
    try:
        values = [round(float(v), 1) for v in position]
    except (TypeError, ValueError, OverflowError):
        return None
    return ",".join(f"{v:.1f}" for v in values) if len(values) == 3 else None


def dicomdir_files(path: str) -> list[str]:
    """Paths of the image files a DICOMDIR refers to (those that exist), in record order."""
    ds = read_dataset(open_bytes(path, Limits().max_decoded_bytes), stop_before_pixels=True)
    base = os.path.dirname(os.path.abspath(path))
    found: list[str] = []
    try:
        with quiet_pydicom():
            records = list(ds.get("DirectoryRecordSequence", []))
            file_ids = [record.get("ReferencedFileID") for record in records]
        for file_id in file_ids:
            if not file_id:
                continue
            parts = [file_id] if isinstance(file_id, str) else [str(p) for p in file_id]
            if any(p in ("..", "") or "/" in p or "\\" in p for p in parts):
                continue  # a record must not point outside the DICOMDIR's folder
            candidate = os.path.join(base, *parts)
            if os.path.isfile(candidate):
                found.append(candidate)
    except PARSE_ERRORS as exc:
        raise ImageReadError(f"unreadable DICOMDIR records (corrupt: {_kind(exc)})") from None
    if not found:
        raise ImageReadError("the DICOMDIR refers to no image file that exists beside it")
    return found


def decode_dicom(path: str, secret: str | bytes, limits: Limits | None = None) -> DecodedFile:
    """Frames of one DICOM file (single-frame, multi-frame or enhanced), decoded and rescaled."""
    limits = limits or Limits()
    data = open_bytes(path, limits.max_decoded_bytes)
    ds = read_dataset(data, stop_before_pixels=False, limits=limits)
    try:
        with quiet_pydicom():
            return _decode(ds, data, secret, limits)
    except ImageReadError:
        raise
    except PARSE_ERRORS as exc:
        raise ImageReadError(f"undecodable DICOM image (corrupt: {_kind(exc)})") from None
    except BaseException as exc:
        # Decoders written in Rust (pylibjpeg-rle) raise PanicException, a BaseException.
        if _kind(exc) != "PanicException":
            raise
        raise ImageReadError(
            "undecodable DICOM image (the decoder failed on corrupt data)"
        ) from None


def _decode(ds, data: bytes, secret, limits: Limits) -> DecodedFile:
    if "PixelData" not in ds:
        raise ImageReadError(
            "not an image: the DICOM file has no pixel data (or is truncated before it)"
        )
    n_frames = _n_frames(ds)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    bits = int(ds.get("BitsAllocated", 16) or 16)
    limits.check(int(ds.Rows), int(ds.Columns), n_frames, max(bits // 8, 1) * max(samples, 1))
    _ensure_transfer_syntax(ds)
    _check_decoder(ds)
    stack = _pixel_stack(ds, n_frames)
    uid = str(_get(ds, "SeriesInstanceUID", "")).strip()
    patient = str(_get(ds, "PatientID", "")).strip()
    frames = [_frame(ds, stack[i], i) for i in range(stack.shape[0])]
    if str(_get(ds, "PhotometricInterpretation", "")).strip() == "MONOCHROME1":
        frames = _inverted(frames)
    times = [f.frame_time_ms for f in frames]
    known = [t for t in times if t is not None]
    ed = int(np.argmin(known)) if len(frames) > 1 and len(known) == len(times) else None
    return DecodedFile(
        frames=frames,
        series_key=pseudonym(secret, "series", uid) if uid else content_key(secret, data),
        subject_key=pseudonym(secret, "patient", patient) if patient else None,
        ed_index=ed,
        frame_interval_ms=_frame_interval_ms(ds, times),
        view=view_from_description(
            str(_get(ds, "SeriesDescription", "")), str(_get(ds, "ProtocolName", ""))
        ),
    )


def _ensure_transfer_syntax(ds) -> None:
    """Files without meta information (read with force): name the encoding pydicom found."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    meta = getattr(ds, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" in meta:
        return
    implicit, little = getattr(ds, "original_encoding", (True, True))
    if implicit:
        syntax = ImplicitVRLittleEndian
    else:
        syntax = ExplicitVRLittleEndian if little else ExplicitVRBigEndian
    if meta is None:
        ds.file_meta = meta = FileMetaDataset()
    meta.TransferSyntaxUID = syntax


def _n_frames(ds) -> int:
    return max(int(finite_number(_get(ds, "NumberOfFrames"), 1.0) or 1), 1)


def _check_decoder(ds) -> None:
    from pydicom.pixels import get_decoder
    from pydicom.uid import UID

    syntax = UID(str(ds.file_meta.TransferSyntaxUID))
    if not syntax.is_compressed:
        return
    name = syntax.name if syntax.is_transfer_syntax else f"transfer syntax {syntax}"
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        raise ImageReadError(
            f"no decoder for {name}: no supported plugin decodes it; "
            "export the series as uncompressed DICOM"
        ) from None
    if not decoder.is_available:
        plugin = DECODER_PLUGINS.get(str(syntax), "a pydicom decoder plugin")
        raise ImageReadError(f"no decoder for {name}: install {plugin}")


def _pixel_stack(ds, n_frames: int) -> np.ndarray:
    """(frames, rows, cols) gray stored values."""
    try:
        array = ds.pixel_array
    except ValueError as exc:
        if "less than expected" in str(exc) or "truncat" in str(exc).lower():
            raise ImageReadError(
                "truncated: the pixel data is shorter than its header says"
            ) from None
        raise
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    if photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        array = apply_color_lut(array, ds)
    if n_frames == 1:
        array = array[np.newaxis]
    if array.ndim == 4 or (array.ndim == 3 and int(ds.get("SamplesPerPixel", 1) or 1) == 1):
        return np.stack([to_grayscale(frame) for frame in array])
    raise ImageReadError(f"not an image: unexpected pixel layout {array.shape}")


def _groups(ds, index: int) -> list:
    """Functional group items that apply to one frame: its own first, then the shared ones."""
    found = []
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame is not None and index < len(per_frame):
        found.append(per_frame[index])
    shared = ds.get("SharedFunctionalGroupsSequence")
    if shared:
        found.append(shared[0])
    return found


def _from_groups(groups: list, sequence: str, keyword: str):
    for group in groups:
        items = group.get(sequence)
        if items and keyword in items[0]:
            return items[0].get(keyword)
    return None


def _frame(ds, stored: np.ndarray, index: int) -> DecodedFrame:
    groups = _groups(ds, index)
    slope = _from_groups(groups, "PixelValueTransformationSequence", "RescaleSlope")
    intercept = _from_groups(groups, "PixelValueTransformationSequence", "RescaleIntercept")
    slope = finite_number(slope if slope is not None else _get(ds, "RescaleSlope"), 1.0)
    intercept = finite_number(
        intercept if intercept is not None else _get(ds, "RescaleIntercept"), 0.0
    )
    return DecodedFrame(
        pixels=rescale(stored, slope, intercept),
        spacing=_spacing(ds, groups),
        window=_window(ds, groups),
        frame_time_ms=_trigger_time_ms(ds, groups, index),
    )


def _inverted(frames: list[DecodedFrame]) -> list[DecodedFrame]:
    """MONOCHROME1 (low values shown bright) as MONOCHROME2, one mapping for the whole file."""
    lo = min(float(f.pixels.min()) for f in frames)
    hi = max(float(f.pixels.max()) for f in frames)
    out = []
    for f in frames:
        flipped = (hi + lo) - f.pixels.astype(np.float64)
        pixels = flipped.astype(f.pixels.dtype)  # stays within [lo, hi]: no overflow
        window = None if f.window is None else ((hi + lo) - f.window[0], f.window[1])
        out.append(DecodedFrame(pixels, f.spacing, window, f.frame_time_ms))
    return out


def _spacing(ds, groups: list) -> Spacing | None:
    candidates = [
        _from_groups(groups, "PixelMeasuresSequence", "PixelSpacing"),
        _get(ds, "PixelSpacing"),
        _get(ds, "ImagerPixelSpacing"),
    ]
    for value in candidates:
        if value is None:
            continue
        try:
            row_mm, col_mm = (float(v) for v in value)
            return Spacing(row_mm, col_mm)
        except (TypeError, ValueError, GeometryError):
            continue
    return None


def _window(ds, groups: list) -> tuple[float, float] | None:
    center = _from_groups(groups, "FrameVOILUTSequence", "WindowCenter")
    width = _from_groups(groups, "FrameVOILUTSequence", "WindowWidth")
    if center is None or width is None:
        center, width = _get(ds, "WindowCenter"), _get(ds, "WindowWidth")
    center, width = finite_number(center), finite_number(width)
    if center is not None and width is not None and width > 0:
        return (center, width)
    return _window_from_lut(ds)


def _window_from_lut(ds) -> tuple[float, float] | None:
    """The input range a VOI LUT spans, as (center, width)."""
    luts = ds.get("VOILUTSequence")
    if not luts or "LUTDescriptor" not in luts[0]:
        return None
    descriptor = list(luts[0].LUTDescriptor)
    if len(descriptor) != 3:
        return None
    entries = int(descriptor[0]) or 65536  # 0 means 2**16 entries
    first = int(descriptor[1])
    return (first + entries / 2.0, float(entries))


def _trigger_time_ms(ds, groups: list, index: int) -> float | None:
    delay = _from_groups(groups, "CardiacSynchronizationSequence", "NominalCardiacTriggerDelayTime")
    if delay is not None:
        return finite_number(delay)
    n_frames = _n_frames(ds)
    if n_frames > 1:
        vector = _get(ds, "FrameTimeVector")
        if vector is not None and len(vector) == n_frames:
            return float(np.cumsum([finite_number(v, 0.0) for v in vector])[index])
        frame_time = finite_number(_get(ds, "FrameTime"))
        if frame_time is not None:
            return finite_number(_get(ds, "TriggerTime"), 0.0) + index * frame_time
    return finite_number(_get(ds, "TriggerTime"))


def _frame_interval_ms(ds, times: list[float | None]) -> float | None:
    frame_time = finite_number(_get(ds, "FrameTime"))
    if frame_time is not None and frame_time > 0:
        return frame_time
    known = sorted(t for t in times if t is not None)
    steps = np.diff(known) if len(known) > 1 else np.array([])
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else None


def _kind(exc: BaseException) -> str:
    # Only the type: exception texts from parsers may quote element values.
    return type(exc).__name__
