"""The project's own DICOM coding scheme (99SPHST), defined once, and the standard codes used.

SI, its contour and volumetric variants, the five landmarks and the reading status have no
standard code (SNOMED CT, DCM, LOINC), so they live in a private scheme: the designator starts
with "99" as PS3.16 section 8.2 asks of local schemes, and every SR that uses it names it in
its Coding Scheme Identification Sequence. The README lists the same table.
"""

from __future__ import annotations

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

SCHEME = "99SPHST"
SCHEME_NAME = "Sphericity Studio codes"
SCHEME_VERSION = "1"


def _own(value: str, meaning: str) -> Code:
    return Code(value, SCHEME, meaning, SCHEME_VERSION)


SI = _own("SI", "Sphericity index (width / long-axis length, both in mm)")
SI_CONTOUR = _own("SI-CONTOUR", "Contour sphericity index (widest perpendicular chord / length)")
SI_VOLUMETRIC = _own("SI-VOLUMETRIC", "Volumetric sphericity index (area-length volume)")
LANDMARK_X = _own("LANDMARK-X", "Landmark column, pixel centres at integers")
LANDMARK_Y = _own("LANDMARK-Y", "Landmark row, pixel centres at integers")
CONTOUR = _own("LV-CONTOUR", "Left ventricular endocardial contour")
READING_STATUS = _own("READING-STATUS", "Reading status")

# Landmark name (core.geometry.LANDMARK_NAMES) -> its code.
LANDMARKS: dict[str, Code] = {
    "apex": _own("APEX", "Left ventricular apex"),
    "hinge_a": _own("HINGE-A", "Mitral hinge point A"),
    "hinge_b": _own("HINGE-B", "Mitral hinge point B"),
    "w1": _own("W1", "Width endpoint W1"),
    "w2": _own("W2", "Width endpoint W2"),
}
# Reading status (core.store.STATUSES) -> its code.
STATUSES: dict[str, Code] = {
    status: _own(status.upper(), f"Reading {status}")
    for status in ("draft", "submitted", "approved", "rejected")
}

# Standard codes.
LONG_AXIS = codes.SCT.LongAxis
WIDTH = codes.SCT.Width
LEFT_VENTRICLE = codes.SCT.LeftVentricle
CARDIAC_MRI = codes.SCT.CardiacMRI
PERSON = codes.DCM.Person
MM = Code("mm", "UCUM", "millimeter")
RATIO = Code("1", "UCUM", "no units")
PIXEL = Code("{pixel}", "UCUM", "pixel")
