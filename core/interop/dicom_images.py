"""One exported frame as a de-identified DICOM Secondary Capture image (highdicom).

Secondary Capture, not MR: the MR Image IOD needs the Image Plane module (patient orientation
and position, Type 1), and the project keeps neither (DESIGN.md, Privacy: import keeps pixels,
spacing, frame order and timing only), so an MR object would carry invented geometry. The SC
image carries the pixel spacing, the window, and pseudonymous patient and study identity only:
the patient ID is the subject key (a keyed hash; the series key where no subject is known), the
UIDs are derived from keys (core.interop.keys), no dates, names or descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.export_dataset import png_values
from core.interop.keys import derived_uid, image_uid

MANUFACTURER = "Sphericity Studio"
SERIES_NUMBER_READINGS = 1  # the reports; the frames' series are numbered from 2


@dataclass(frozen=True)
class StudyKeys:
    """Identity of the exported study of one subject: pseudonymous keys and UIDs only."""

    patient_id: str
    study_uid: str
    sr_series_uid: str  # one series holds the study's measurement reports

    @classmethod
    def of(cls, subject_key: str) -> StudyKeys:
        return cls(
            patient_id=subject_key[:64],  # LO: 64 characters at most; the key is 64 hex digits
            study_uid=derived_uid("study", subject_key),
            sr_series_uid=derived_uid("sr-series", subject_key),
        )


def image_series_uid(series_key: str) -> str:
    """The Series Instance UID of a project series' exported frames."""
    return derived_uid("image-series", series_key)


def dicom_pixels(pixels: np.ndarray) -> tuple[np.ndarray, float | None, float | None]:
    """(unsigned 8- or 16-bit array, rescale intercept, rescale slope) for a stored frame.

    The same mapping as the PNG export: integer frames that fit 0..65535 are written as they
    are (intercept and slope None); anything else is mapped linearly onto 0..65535.
    """
    array, offset, scale = png_values(np.ascontiguousarray(pixels))
    if array.ndim != 2:
        raise ValueError(f"cannot write a frame of shape {array.shape} as a greyscale image")
    return array, offset, scale


def sc_image(image, pixels: np.ndarray, keys: StudyKeys, series_number: int):
    """The highdicom SCImage of one image (an ImageInfo and its stored pixels); its series is
    the image's project series, its instance number the frame index plus one."""
    import highdicom as hd

    array, intercept, slope = dicom_pixels(pixels)
    spacing = image.spacing
    dataset = hd.sc.SCImage(
        pixel_array=array,
        photometric_interpretation="MONOCHROME2",
        bits_allocated=8 if array.dtype == np.uint8 else 16,
        coordinate_system="PATIENT",
        study_instance_uid=keys.study_uid,
        series_instance_uid=image_series_uid(image.series_key),
        series_number=series_number,
        sop_instance_uid=image_uid(image.content_hash),
        instance_number=image.frame_index + 1,
        manufacturer=MANUFACTURER,
        patient_id=keys.patient_id,
        patient_name=None,
        pixel_spacing=None if spacing is None else (spacing.row_mm, spacing.col_mm),
        # highdicom asks for an orientation; the project does not know it, and Patient
        # Orientation is Type 2 (present, may be empty), so it is emptied below.
        patient_orientation=("L", "F"),
    )
    dataset.PatientOrientation = None  # type: ignore[assignment]  # Type 2: present, empty
    dataset.BodyPartExamined = "HEART"  # unpaired, so Laterality (Type 2C) stays absent
    dataset.Modality = "MR"  # a converted MR frame: viewers hang it with the MR protocols
    if (
        intercept is not None and slope is not None
    ):  # DS holds 16 characters: the mapping is rounded to that
        intercept, slope = float(_ds(intercept)), float(_ds(slope))
        dataset.RescaleIntercept = _ds(intercept)
        dataset.RescaleSlope = _ds(slope)
        dataset.RescaleType = "US"  # unspecified: the stored values' own unit
    if image.window is not None:
        center, width = image.window
        dataset.WindowCenter = _ds(center if intercept is None else (center - intercept) / slope)
        dataset.WindowWidth = _ds(max(width if slope is None else width / slope, 1.0))
    return dataset


def _ds(value: float) -> str:
    from pydicom.valuerep import format_number_as_ds

    return format_number_as_ds(float(value))
