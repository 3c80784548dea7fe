"""NIfTI reader: 2-D and 2-D+time (.nii, .nii.gz) frames with spacing from the header.

A NIfTI array is indexed [i, j, ...] with i along x. Frames are returned as [j, i] (rows along
j, columns along i) so that row_mm = pixdim[2] and col_mm = pixdim[1] stay with their axes.
Text fields of the header (descrip, aux_file, intent_name) are never read.
"""

from __future__ import annotations

import struct
import warnings
import zlib

import numpy as np

from core.geometry import GeometryError, Spacing
from core.imaging.deid import content_key
from core.imaging.files import open_bytes
from core.imaging.types import DecodedFile, DecodedFrame, ImageReadError, Limits

NIFTI_SUFFIXES = (".nii", ".nii.gz")
HEADER_BYTES = 1 << 16  # inflated first: the header (348 or 540 bytes) and then some
_SPACE_TO_MM = {"mm": 1.0, "meter": 1000.0, "micron": 0.001, "unknown": 1.0}
_TIME_TO_MS = {"sec": 1000.0, "msec": 1.0, "usec": 0.001}
_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    EOFError,
    OSError,
    struct.error,
    zlib.error,
    OverflowError,
    MemoryError,
    AttributeError,
)


def is_nifti_name(path: str) -> bool:
    """True for a .nii or .nii.gz file name."""
    return path.lower().endswith(NIFTI_SUFFIXES)


def decode_nifti(path: str, secret: str | bytes, limits: Limits | None = None) -> DecodedFile:
    """Frames of a 2-D or 2-D+time NIfTI file, pixels as stored (scaled when the header says)."""
    limits = limits or Limits()
    data = open_bytes(path, limits.max_decoded_bytes)
    volume, spacing, interval_ms = _read(data, limits)
    frames = [
        DecodedFrame(
            pixels=_as_frame(volume[:, :, t]),
            spacing=spacing,
            frame_time_ms=None if interval_ms is None else t * interval_ms,
        )
        for t in range(volume.shape[2])
    ]
    return DecodedFile(
        frames=frames, series_key=content_key(secret, data), frame_interval_ms=interval_ms
    )


def read_nifti_labels(path: str, limits: Limits | None = None) -> list[np.ndarray]:
    """Integer label frames of a NIfTI mask, oriented like decode_nifti's frames."""
    limits = limits or Limits()
    volume, _, _ = _read(open_bytes(path, limits.max_decoded_bytes), limits)
    return [np.rint(_as_frame(volume[:, :, t])).astype(np.int32) for t in range(volume.shape[2])]


def _as_frame(plane: np.ndarray) -> np.ndarray:
    frame = np.ascontiguousarray(plane.T)
    if frame.dtype.kind == "f" and frame.dtype != np.float32:
        return frame.astype(np.float32)
    return frame


def _nibabel_errors() -> tuple[type[BaseException], ...]:
    from nibabel.filebasedimages import ImageFileError
    from nibabel.spatialimages import HeaderDataError, ImageDataError
    from nibabel.wrapstruct import WrapStructError

    return (*_ERRORS, ImageFileError, HeaderDataError, ImageDataError, WrapStructError)


def _read(data: bytes, limits: Limits) -> tuple[np.ndarray, Spacing | None, float | None]:
    """(i, j, t) array, spacing, frame interval in ms; ImageReadError for anything else."""
    errors = _nibabel_errors()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = _image(_payload(data, limits))
            header = image.header
            shape = _frames_shape(tuple(int(n) for n in header.get_data_shape()))
            itemsize = np.dtype(header.get_data_dtype()).itemsize
            limits.check(shape[1], shape[0], shape[2], itemsize)
            volume = np.asanyarray(image.dataobj).reshape(shape)
            return volume, _spacing(header), _interval_ms(header)
    except ImageReadError:
        raise
    except errors as exc:
        raise ImageReadError(
            f"not a readable NIfTI file (truncated or corrupt: {type(exc).__name__})"
        ) from None


def _payload(data: bytes, limits: Limits) -> bytes:
    """Header and voxels (inflated if gzipped), once the size the header declares is checked.

    The declared size is compared with the limits and with what the file holds before anything
    is allocated for it; a .nii.gz is inflated in a stream that stops at the declared size.
    """
    if data[:2] != b"\x1f\x8b":
        _check_holds(len(data), _declared_bytes(data, limits))
        return data
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    raw = inflater.decompress(data, HEADER_BYTES)
    need = _declared_bytes(raw, limits)
    if need > len(raw):
        raw += inflater.decompress(inflater.unconsumed_tail, need - len(raw))
    _check_holds(len(raw), need)
    return raw[:need]


def _check_holds(available: int, need: int) -> None:
    if available < need:
        raise ImageReadError(
            f"truncated NIfTI file: the header declares {need / 2**20:.1f} MiB of header "
            f"and voxels, the file holds {available / 2**20:.1f} MiB"
        )


def _declared_bytes(raw: bytes, limits: Limits) -> int:
    """Voxel offset plus voxel bytes the header declares, checked against the limits."""
    header_class = _classes(raw)[1]
    size = header_class.sizeof_hdr
    if len(raw) < size:
        raise ImageReadError("truncated NIfTI file: shorter than a NIfTI header")
    header = header_class(binaryblock=raw[:size], check=False)
    shape = _frames_shape(tuple(int(n) for n in header.get_data_shape()))
    itemsize = np.dtype(header.get_data_dtype()).itemsize
    voxel_bytes = limits.check(shape[1], shape[0], shape[2], itemsize)
    offset = int(header.get_data_offset())
    if offset < size:
        raise ImageReadError("not a readable NIfTI file (its voxel offset is inside the header)")
    return offset + voxel_bytes


def _classes(raw: bytes):
    """(image class, header class) by the header size field; ImageReadError if neither."""
    import nibabel as nib

    if len(raw) < 4:
        raise ImageReadError("not a NIfTI file: too short")
    sizeof_hdr = struct.unpack("<i", raw[:4])[0], struct.unpack(">i", raw[:4])[0]
    if 348 in sizeof_hdr:
        return nib.Nifti1Image, nib.Nifti1Header
    if 540 in sizeof_hdr:
        return nib.Nifti2Image, nib.Nifti2Header
    raise ImageReadError("not a NIfTI file: unknown header size")


def _image(raw: bytes):
    image = _classes(raw)[0].from_bytes(raw)
    if np.dtype(image.header.get_data_dtype()).kind not in "biuf":
        raise ImageReadError("unsupported NIfTI data type (colour or complex voxels)")
    return image


def _frames_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(i, j, frames) of a 2-D, 2-D+time (i, j, t) or (i, j, 1, t) array."""
    while len(shape) > 2 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) == 2:
        return (shape[0], shape[1], 1)
    if len(shape) == 3:
        return shape
    if len(shape) == 4 and shape[2] == 1:
        return (shape[0], shape[1], shape[3])
    raise ImageReadError(
        f"a NIfTI volume of shape {shape}: only 2-D and 2-D+time (one slice) files are imported"
    )


def _spacing(header) -> Spacing | None:
    zooms = header.get_zooms()
    if len(zooms) < 2:
        return None
    unit = _SPACE_TO_MM.get(header.get_xyzt_units()[0], 1.0)
    try:
        return Spacing(float(zooms[1]) * unit, float(zooms[0]) * unit)
    except GeometryError:
        return None  # zero or missing pixdim: spacing unknown


def _interval_ms(header) -> float | None:
    if len(header.get_data_shape()) < 4:
        return None
    scale = _TIME_TO_MS.get(header.get_xyzt_units()[1])
    step = float(header.get_zooms()[3]) if len(header.get_zooms()) > 3 else 0.0
    if scale is None or not np.isfinite(step) or step <= 0:
        return None
    return step * scale
