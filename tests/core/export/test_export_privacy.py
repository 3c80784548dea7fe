"""Privacy, extended to the exports: identifying DICOM strings never reach a CSV, a PNG, the
COCO file or the DICOM export (frames and measurement reports).

The proof never skips: the importer and the byte search of tests/core/privacy_helpers.py are
imported like any other module, so a missing one fails the test.
"""

from pathlib import Path

import pytest

from core.export import export_csv
from core.export_dataset import export_dataset
from core.geometry import Landmarks
from core.importer import import_paths
from core.interop.coco import export_coco
from core.interop.dicom_export import export_dicom
from core.store import Project
from tests.core.privacy_helpers import assert_no_identifiers

IDENTIFIERS = {
    "PatientName": "Needleman^Jane^Q",
    "PatientID": "PID-NEEDLE-77413",
    "PatientBirthDate": "19391207",
    "PatientAddress": "12 Needle Lane, Haystack",
    "InstitutionName": "Needle General Hospital",
    "ReferringPhysicianName": "Pinsworth^Harold",
    "OperatorsName": "Threader^Olga",
    "AccessionNumber": "ACC-NEEDLE-9931",
    "StudyID": "STUDY-NEEDLE-4",
    "StudyDate": "20011231",
    "SeriesDate": "20011230",
    "StudyDescription": "needle cardiac study free text",
    "SeriesDescription": "needle cine series text",
    "ImageComments": "needle comment about the patient",
    "DeviceSerialNumber": "SN-NEEDLE-5521",
    "StudyInstanceUID": "1.2.826.0.1.3680043.8.498.4417719930011",
    "SeriesInstanceUID": "1.2.826.0.1.3680043.8.498.4417719930022",
    "SOPInstanceUID": "1.2.826.0.1.3680043.8.498.4417719930033",
}


def _identifying_dicom(path: Path) -> Path:
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    for keyword, value in IDENTIFIERS.items():
        setattr(ds, keyword, value)
    ds.file_meta.MediaStorageSOPInstanceUID = IDENTIFIERS["SOPInstanceUID"]
    ds.save_as(path, enforce_file_format=True)
    return path


def test_exports_carry_no_identifiers(tmp_path, monkeypatch):
    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))
    dicom = _identifying_dicom(tmp_path / "identifying.dcm")
    with Project.create(tmp_path / "p.sphericity") as project:
        report = import_paths(project, [dicom])
        (image_id,) = report.imported
        reader = project.ensure_annotator("ann")
        landmarks = Landmarks((32, 5), (20, 50), (44, 50), (18, 28), (46, 28))
        project.save_reading(image_id, reader, landmarks, status="approved")
        outputs = [tmp_path / "readings.csv", tmp_path / "images.csv"]
        export_csv(project, outputs[0], per="reading")
        export_csv(project, outputs[1], per="image")
        export_dataset(project, tmp_path / "dataset", per="reading")
        export_dicom(project, tmp_path / "dicom")
        export_coco(project, tmp_path / "coco.json", images_dir=tmp_path / "coco")
    written = [*outputs, *sorted((tmp_path / "dataset").rglob("*.*"))]
    assert len(written) == 4  # two CSVs, labels.csv, one PNG
    dicom = sorted((tmp_path / "dicom").rglob("*.dcm"))
    assert [p.name for p in dicom] == ["IM_0001.dcm", "SR_0001.dcm"]
    written += [*dicom, tmp_path / "coco.json", *sorted((tmp_path / "coco").iterdir())]
    assert_no_identifiers(written, list(IDENTIFIERS.values()))
    # The check must be able to fail: a planted identifier is found.
    planted = tmp_path / "planted.csv"
    planted.write_text("x," + IDENTIFIERS["PatientName"])
    with pytest.raises(AssertionError):
        assert_no_identifiers([planted], [IDENTIFIERS["PatientName"]])
