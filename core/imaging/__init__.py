"""Image readers (DICOM, NIfTI, PNG/TIFF/JPEG) returning de-identified decoded frames."""

from __future__ import annotations

import os
import secrets

from core.imaging.deid import content_key, pseudonym
from core.imaging.dicom import DicomHeader, decode_dicom, dicomdir_files, is_dicom, read_header
from core.imaging.nifti import decode_nifti, is_nifti_name, read_nifti_labels
from core.imaging.raster import decode_raster, is_raster_name, read_raster_labels
from core.imaging.types import (
    MAX_DECODED_BYTES,
    MAX_SIDE_PX,
    DecodedFile,
    DecodedFrame,
    ImageReadError,
    Limits,
)

DICOM_SUFFIXES = (".dcm", ".dicom", ".ima")


def classify(path: str) -> str | None:
    """'dicomdir', 'dicom', 'nifti', 'raster' or None (not a file this application reads)."""
    name = os.path.basename(path)
    if is_nifti_name(name):
        return "nifti"
    if is_raster_name(name):
        return "raster"
    if name.upper() == "DICOMDIR":
        return "dicomdir"
    if is_dicom(path) or name.lower().endswith(DICOM_SUFFIXES):
        return "dicom"
    return None


def decode_path(path: str, secret: str | bytes, limits: Limits | None = None) -> DecodedFile:
    """Decode one image file of any supported kind; ImageReadError with a reason otherwise."""
    kind = classify(path)
    if kind == "nifti":
        return decode_nifti(path, secret, limits)
    if kind == "raster":
        return decode_raster(path, secret, limits)
    if kind == "dicom":
        return decode_dicom(path, secret, limits)
    raise ImageReadError("not an image: not a DICOM, NIfTI, PNG, TIFF or JPEG file")


def decode_unkept(path: str, limits: Limits | None = None) -> DecodedFile:
    """Decode a file that no project keeps (prediction on loose files).

    Its pseudonymous series and subject keys are made with a one-off random secret, so they
    link to nothing: they are never stored, and nothing identifying is derived from the file.
    """
    return decode_path(path, secrets.token_bytes(32), limits)


def read_labels(path: str, limits: Limits | None = None) -> list:
    """Integer label frames of a mask file (NIfTI, or gray / palette PNG or TIFF)."""
    kind = classify(path)
    if kind == "nifti":
        return read_nifti_labels(path, limits)
    if kind == "raster":
        return read_raster_labels(path, limits)
    raise ImageReadError("not a mask: label maps are read from NIfTI, PNG or TIFF files")


__all__ = [
    "MAX_DECODED_BYTES",
    "MAX_SIDE_PX",
    "DecodedFile",
    "DecodedFrame",
    "DicomHeader",
    "ImageReadError",
    "Limits",
    "classify",
    "content_key",
    "decode_dicom",
    "decode_nifti",
    "decode_path",
    "decode_raster",
    "decode_unkept",
    "dicomdir_files",
    "is_dicom",
    "pseudonym",
    "read_header",
    "read_labels",
]
