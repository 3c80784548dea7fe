"""A minimal valid DICOM MR image of a phantom frame: pixels, PixelSpacing, cine order."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRLittleEndian,
    MRImageStorage,
)


def _uid(*parts: object) -> str:
    # Deterministic synthetic UIDs (2.25 root, derived from the seed): rerunning the same
    # command writes the same files, and the frames of one cine share their series UID.
    # (pydicom's generate_uid ignores its entropy sources under the 2.25 root: a random UUID.)
    digest = hashlib.sha256("|".join(["sphericity-phantom", *map(str, parts)]).encode()).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big') >> 1}"


def phantom_dataset(series, frame) -> Dataset:
    """The DICOM dataset of one phantom frame (`series`: core.phantom.output.PhantomSeries)."""
    from core.phantom.output import display_window

    ds = Dataset()
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = _uid(series.seed, frame.frame_index, "instance")
    ds.StudyInstanceUID = _uid(series.seed, "study")
    ds.SeriesInstanceUID = _uid(series.seed, "series")
    ds.FrameOfReferenceUID = _uid(series.seed, "frame-of-reference")
    ds.Modality = "MR"
    ds.PatientName = "Phantom"
    ds.PatientID = series.key
    cine = " cine" if len(series.frames) > 1 else ""
    ds.SeriesDescription = f"phantom {frame.view}{cine}"
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.SeriesNumber = 1
    ds.InstanceNumber = frame.frame_index + 1
    ds.ScanningSequence = "GR"  # balanced SSFP is a gradient echo
    ds.SequenceVariant = "SS"
    ds.MRAcquisitionType = "2D"
    ds.RepetitionTime, ds.EchoTime, ds.FlipAngle = 3.0, 1.5, 60.0  # a typical 1.5 T SSFP cine
    ds.EchoTrainLength = 1
    ds.MagneticFieldStrength = 1.5
    ds.Manufacturer = "Sphericity Studio phantom"
    _empty_type2(ds)
    ds.SliceThickness = 8.0
    ds.PixelSpacing = [float(frame.spacing.row_mm), float(frame.spacing.col_mm)]
    ds.ImagePositionPatient = [0.0, 0.0, 0.0]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    if series.frame_interval_ms is not None:
        ds.TriggerTime = round(frame.frame_index * series.frame_interval_ms, 3)
        ds.CardiacNumberOfImages = len(series.frames)
    center, width = display_window(frame.pixels)
    ds.WindowCenter, ds.WindowWidth = round(center, 1), round(width, 1)
    _set_pixels(ds, frame.pixels)
    return ds


# Type 2 attributes of the MR image IOD: present, empty (a phantom has no dates or people).
TYPE2_EMPTY = (
    "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "ReferringPhysicianName",
    "StudyID", "AccessionNumber", "PositionReferenceIndicator", "ScanOptions",
    "PatientOrientation",
)  # fmt: skip


def _empty_type2(ds: Dataset) -> None:
    for keyword in TYPE2_EMPTY:
        setattr(ds, keyword, "")


def _set_pixels(ds: Dataset, pixels: np.ndarray) -> None:
    ds.Rows, ds.Columns = (int(v) for v in pixels.shape)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<u2").tobytes()


def write_dicom(path: Path, series, frame) -> None:
    """Write one phantom frame as a DICOM Part 10 file (explicit VR little endian)."""
    ds = phantom_dataset(series, frame)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta
    ds.save_as(path, enforce_file_format=True)
