"""Builders of small test images: DICOM datasets (classic, enhanced, cine), NIfTI, PNG, TIFF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
ENHANCED_MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.1"


def frame(seed: int, shape=(24, 32), dtype=np.uint16) -> np.ndarray:
    """A small reproducible frame whose values differ per seed."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4000, size=shape).astype(dtype)


def _base(sop_class: str, series_uid: str, rows: int, cols: int) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "MR"
    ds.PatientID = "SUBJECT-1"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    return ds


def mr_file(
    path: Path,
    pixels: np.ndarray,
    *,
    series_uid: str,
    instance: int | None = 1,
    trigger_ms: float | None = None,
    spacing=(1.5, 1.25),
    **elements,
) -> Path:
    """A classic single-frame MR file; extra keyword elements are set as given."""
    ds = _base(MR_STORAGE, series_uid, *pixels.shape)
    if instance is not None:
        ds.InstanceNumber = instance
    if trigger_ms is not None:
        ds.TriggerTime = trigger_ms
    if spacing is not None:
        ds.PixelSpacing = list(spacing)
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def enhanced_mr_file(
    path: Path, stack: np.ndarray, *, series_uid: str, triggers_ms, spacing=(1.8, 1.6)
) -> Path:
    """An enhanced MR cine: spacing, rescale and window in shared groups, trigger per frame."""
    n, rows, cols = stack.shape
    ds = _base(ENHANCED_MR_STORAGE, series_uid, rows, cols)
    ds.NumberOfFrames = n
    measures = Dataset()
    measures.PixelSpacing = list(spacing)
    transform = Dataset()
    transform.RescaleSlope, transform.RescaleIntercept = 2, -10
    voi = Dataset()
    voi.WindowCenter, voi.WindowWidth = 500, 1200
    shared = Dataset()
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PixelValueTransformationSequence = Sequence([transform])
    shared.FrameVOILUTSequence = Sequence([voi])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    for trigger in triggers_ms:
        sync = Dataset()
        sync.NominalCardiacTriggerDelayTime = trigger
        item = Dataset()
        item.CardiacSynchronizationSequence = Sequence([sync])
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.PixelData = np.ascontiguousarray(stack, dtype="<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def nifti_file(path: Path, volume: np.ndarray, *, zooms, units=("mm", "msec"), slope=None):
    """A NIfTI-1 file (.nii or .nii.gz by suffix) of an (i, j[, ...]) array."""
    import nibabel as nib

    spatial = [*zooms[:3], 1.0, 1.0][:3]
    image = nib.Nifti1Image(volume, affine=np.diag([*spatial, 1.0]))
    image.header.set_zooms(zooms)
    image.header.set_xyzt_units(*units)
    if slope is not None:
        image.header.set_slope_inter(*slope)
    nib.save(image, path)
    return path


def png_file(path: Path, array: np.ndarray, **save) -> Path:
    from PIL import Image

    Image.fromarray(array).save(path, **save)
    return path
