"""One reading as a DICOM SR Measurement Report (TID 1500, highdicom), and read back.

Content of the report, one measurement group each (codes in core.interop.codes):

- "long axis": TID 1410, a POLYLINE from the apex to the mitral midpoint; Long axis (mm).
- "width": TID 1410, a POLYLINE from W1 to W2; Width (mm).
- "apex", "hinge A", "hinge B", "W1", "W2": TID 1410, a POINT each, with the point's column and
  row as double-precision numbers (LANDMARK-X / LANDMARK-Y, pixel centres at integers).
- "contour" (when drawn): TID 1410, a closed POLYLINE; contour SI and volumetric SI (UCUM "1").
- "sphericity": TID 1501; SI (UCUM "1") and the reading status as a qualitative evaluation.

The reader is the person observer: their project user name (name and login name), nothing else.
Lengths are omitted when the image's pixel spacing is unknown (the SI then assumes square
pixels, as everywhere in the project).

Coordinates: DICOM image coordinates put (0, 0) at the top-left corner of the top-left pixel,
so a pixel centre is at +0.5; the project puts pixel centres at integers (core.geometry.types).
SCOORD Graphic Data is 32-bit float, which is why each landmark also carries its exact
coordinates as numbers: a reading read back from its SR gives the same SI, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.geometry import LANDMARK_NAMES, midpoint
from core.interop import codes
from core.interop.dicom_images import MANUFACTURER, SERIES_NUMBER_READINGS, StudyKeys

PIXEL_ORIGIN_OFFSET = 0.5  # DICOM image coordinate of a pixel centre minus the project's
LABELS = {"apex": "apex", "hinge_a": "hinge A", "hinge_b": "hinge B", "w1": "W1", "w2": "W2"}
_PN_DELIMITERS = str.maketrans({"^": "_", "=": "_", "\\": "_"})


@dataclass(frozen=True)
class SrReading:
    """What an SR written by this module says about one reading."""

    image_uid: str  # the referenced image's SOP Instance UID
    reader: str
    status: str | None
    landmarks: dict[str, tuple[float, float]]  # project pixel coordinates
    contour: list[tuple[float, float]] | None
    si: float | None
    si_contour: float | None
    si_volumetric: float | None
    length_mm: float | None
    width_mm: float | None


def to_dicom(points: Sequence[Sequence[float]]) -> np.ndarray:
    """Project pixel points (x, y) -> DICOM image coordinates (column, row)."""
    return np.asarray(points, dtype=np.float64).reshape(-1, 2) + PIXEL_ORIGIN_OFFSET


def from_dicom(points: np.ndarray) -> list[tuple[float, float]]:
    """DICOM image coordinates (column, row) -> project pixel points (x, y)."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2) - PIXEL_ORIGIN_OFFSET
    return [(float(x), float(y)) for x, y in array]


def person_name(reader: str) -> str:
    """The reader's user name as a DICOM person name: the family-name component only (PN
    delimiters in the name replaced, trailing caret), 64 characters at most."""
    return (reader.translate(_PN_DELIMITERS)[:63] or "unknown") + "^"


def build_sr(reading, image_dataset, keys: StudyKeys, instance_number: int, sop_uid: str):
    """The Comprehensive SR of one reading (a ReadingInfo) on its exported image dataset."""
    import highdicom as hd
    from highdicom.coding_schemes import CodingSchemeIdentificationItem

    observer = hd.sr.ObserverContext(
        observer_type=hd.sr.CodedConcept.from_code(codes.PERSON),
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
            name=person_name(reading.annotator_name),
            login_name=reading.annotator_name.translate(_PN_DELIMITERS)[:64],
        ),
    )
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=observer),
        procedure_reported=codes.CARDIAC_MRI,
        imaging_measurements=_groups(reading, image_dataset),
    )
    document = hd.sr.ComprehensiveSR(
        evidence=[image_dataset],
        content=report,
        series_instance_uid=keys.sr_series_uid,
        series_number=SERIES_NUMBER_READINGS,
        sop_instance_uid=sop_uid,
        instance_number=instance_number,
        manufacturer=MANUFACTURER,
        is_complete=reading.status != "draft",
        coding_schemes=[
            CodingSchemeIdentificationItem(
                designator=codes.SCHEME, name=codes.SCHEME_NAME, version=codes.SCHEME_VERSION
            )
        ],
    )
    document.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: user names need not be ASCII
    return document


def _groups(reading, image_dataset) -> list:
    """The measurement groups of one reading, in the order the module docstring lists."""
    lm = reading.landmarks
    make = _GroupMaker(image_dataset)
    known = reading.length_mm is not None
    length = [make.number(codes.LONG_AXIS, reading.length_mm, codes.MM)] if known else []
    width = [make.number(codes.WIDTH, reading.width_mm, codes.MM)] if known else []
    m = midpoint(lm.hinge_a, lm.hinge_b)
    groups = [
        make.planar("long axis", "POLYLINE", [lm.apex, m], codes.LONG_AXIS, length),
        make.planar("width", "POLYLINE", [lm.w1, lm.w2], codes.WIDTH, width),
    ]
    for name, point in zip(LANDMARK_NAMES, lm.points(), strict=True):
        exact = [
            make.number(codes.LANDMARK_X, point[0], codes.PIXEL),
            make.number(codes.LANDMARK_Y, point[1], codes.PIXEL),
        ]
        groups.append(make.planar(LABELS[name], "POINT", [point], codes.LANDMARKS[name], exact))
    if reading.contour is not None:
        closed = [*reading.contour, reading.contour[0]]  # first point repeated: closed
        pairs = [
            (reading.si_contour, codes.SI_CONTOUR),
            (reading.si_volumetric, codes.SI_VOLUMETRIC),
        ]
        ratios = [make.number(code, v, codes.RATIO) for v, code in pairs if v is not None]
        groups.append(make.planar("contour", "POLYLINE", closed, codes.CONTOUR, ratios))
    groups.append(_si_group(reading, image_dataset))
    return groups


class _GroupMaker:
    """Builds TID 1410 groups whose regions lie on one image."""

    def __init__(self, image_dataset) -> None:
        import highdicom as hd

        self.hd = hd
        self.image_dataset = image_dataset

    def number(self, code, value: float, unit):
        return self.hd.sr.Measurement(name=code, value=float(value), unit=unit)

    def planar(self, label: str, graphic_type: str, points, finding, measurements):
        sr = self.hd.sr
        region = sr.ImageRegion(
            graphic_type=graphic_type,
            graphic_data=to_dicom(points),
            source_image=sr.SourceImageForRegion.from_source_image(self.image_dataset),
        )
        return sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=sr.TrackingIdentifier(uid=self.hd.UID(), identifier=label),
            referenced_region=region,
            finding_type=finding,
            finding_sites=[sr.FindingSite(codes.LEFT_VENTRICLE)],
            measurements=list(measurements),
        )


def _si_group(reading, image_dataset):
    import highdicom as hd

    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier="sphericity"),
        finding_type=codes.LEFT_VENTRICLE,
        measurements=[hd.sr.Measurement(name=codes.SI, value=float(reading.si), unit=codes.RATIO)],
        qualitative_evaluations=[
            hd.sr.QualitativeEvaluation(codes.READING_STATUS, codes.STATUSES[reading.status])
        ],
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(image_dataset)],
    )


# --- reading back -------------------------------------------------------------------------------


class SrFormatError(ValueError):
    """An SR that is not a measurement report written by this module."""


def read_sr(source) -> SrReading:
    """The reading an SR written by build_sr holds: ``source`` is a path or a binary file.

    SrFormatError when it is not such a report.
    """
    import highdicom as hd

    try:
        sr = hd.sr.srread(source)
        content = sr.content
        # A MeasurementReport at run time; highdicom types `content` as its base sequence.
        groups = content.get_planar_roi_measurement_groups()  # type: ignore[attr-defined]
        other = content.get_image_measurement_groups()  # type: ignore[attr-defined]
    except (AttributeError, ValueError, TypeError, KeyError, IndexError, RuntimeError) as exc:
        raise SrFormatError(f"not a TID 1500 measurement report ({type(exc).__name__})") from None
    landmarks, contour, values, image_uids = _planar_content(groups)
    status = None
    for group in other:
        values.update(_numbers(group))
        for evaluation in group.get_qualitative_evaluations():
            if _is(evaluation.name, codes.READING_STATUS):
                found = [s for s, code in codes.STATUSES.items() if _is(evaluation.value, code)]
                status = found[0] if found else None
    if len(image_uids) != 1:
        raise SrFormatError(f"the report refers to {len(image_uids)} images, not one")
    missing = [n for n in LANDMARK_NAMES if n not in landmarks]
    if missing:
        raise SrFormatError(f"the report has no {', '.join(missing)} point")
    return SrReading(
        image_uid=image_uids.pop(),
        reader=_reader(content),
        status=status,
        landmarks=landmarks,
        contour=contour,
        si=values.get(codes.SI.value),
        si_contour=values.get(codes.SI_CONTOUR.value),
        si_volumetric=values.get(codes.SI_VOLUMETRIC.value),
        length_mm=values.get(codes.LONG_AXIS.value),
        width_mm=values.get(codes.WIDTH.value),
    )


def _planar_content(groups) -> tuple[dict, list | None, dict, set]:
    """(landmarks, contour, measured values by code value, referenced image UIDs)."""
    landmarks, contour, values, image_uids = {}, None, {}, set()
    for group in groups:
        finding, roi = group.finding_type, group.roi
        if roi is None or finding is None:
            continue
        image_uids.update(_referenced_uids(roi))
        name = next((n for n, code in codes.LANDMARKS.items() if _is(finding, code)), None)
        if name is not None:
            landmarks[name] = _exact_point(group, roi)
        elif _is(finding, codes.CONTOUR):
            contour = from_dicom(roi.value)[:-1]  # the closing point repeats the first
        values.update(_numbers(group))
    return landmarks, contour, values, image_uids


def _is(concept, code) -> bool:
    """Same code value and scheme (the scheme version is left out, as PS3.16 allows)."""
    return (concept.value, concept.scheme_designator) == (code.value, code.scheme_designator)


def _referenced_uids(roi) -> set[str]:
    """SOP Instance UIDs of the images a SCOORD was selected from."""
    return {
        str(ref.ReferencedSOPInstanceUID)
        for item in roi.get("ContentSequence", [])
        for ref in item.get("ReferencedSOPSequence", [])
    }


def _numbers(group) -> dict[str, float]:
    return {m.name.value: float(m.value) for m in group.get_measurements()}


def _exact_point(group, roi) -> tuple[float, float]:
    """The landmark's exact numbers when they agree with its SCOORD; else the SCOORD."""
    (scoord,) = from_dicom(roi.value)
    numbers = _numbers(group)
    x, y = numbers.get(codes.LANDMARK_X.value), numbers.get(codes.LANDMARK_Y.value)
    if x is None or y is None or max(abs(x - scoord[0]), abs(y - scoord[1])) > 0.01:
        return scoord
    return (x, y)


def _reader(content) -> str:
    for context in content.get_observer_contexts():
        attributes = context.observer_identifying_attributes
        login = getattr(attributes, "login_name", None)
        name = getattr(attributes, "name", None)
        if login or name:
            return str(login or name)
    return ""
