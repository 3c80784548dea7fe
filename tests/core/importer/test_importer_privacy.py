"""De-identification: identifying strings stamped into DICOM never reach the project or logs."""

import logging
import shutil

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from app.cli.main import main
from core.importer import import_paths
from core.paths import log_dir
from core.store import Project
from tests.core.imaging.imaging_samples import enhanced_mr_file, frame, mr_file
from tests.core.privacy_helpers import assert_no_identifiers, project_files

# Each value is unique, so a hit names the field it leaked from.
IDENTIFIERS = {
    "PatientName": "Zyxwvut^Quagmire",
    "PatientID": "PID-8675309-ZQ",
    "PatientBirthDate": "19450317",
    "PatientAge": "079Y",
    "PatientAddress": "42 Jabberwock Lane Frumiousburg",
    "OtherPatientIDs": "OPID-554433-ZQ",
    "InstitutionName": "Vorpal Memorial Infirmary",
    "InstitutionAddress": "7 Tulgey Wood Road",
    "ReferringPhysicianName": "Bandersnatch^Frumious",
    "OperatorsName": "Jubjub^Bird",
    "PerformingPhysicianName": "Snicker^Snack",
    "AccessionNumber": "ACC99887766",
    "StudyID": "STUDY-ZQ-4321",
    "StudyDate": "20190704",
    "SeriesDate": "20190705",
    "AcquisitionDate": "20190706",
    "StudyDescription": "Borogove cardiac protocol",
    "SeriesDescription": "Mimsy cine long axis",
    "ImageComments": "Patient said Callooh Callay",
    "DeviceSerialNumber": "SN-TOVE-31415",
    "StationName": "SLITHY-MR-01",
}
NESTED = {"RequestedProcedureID": "REQPROC-ZQ-77", "ScheduledProcedureStepID": "SPS-ZQ-88"}
PRIVATE = "Private-Outgrabe-Secret"


def _stamp(path, series_uid: str) -> list[str]:
    """Write identifiers into every listed place of a file; returns all needles (UIDs too)."""
    ds = pydicom.dcmread(path)
    for keyword, value in IDENTIFIERS.items():
        setattr(ds, keyword, value)
    request = Dataset()
    for keyword, value in NESTED.items():
        setattr(request, keyword, value)
    ds.RequestAttributesSequence = Sequence([request])
    block = ds.private_block(0x0011, "OUTGRABE CORP", create=True)
    block.add_new(0x01, "LO", PRIVATE)
    ds.save_as(path)
    uids = [series_uid, str(ds.StudyInstanceUID), str(ds.SOPInstanceUID)]
    return [*IDENTIFIERS.values(), *NESTED.values(), PRIVATE, *uids]


@pytest.fixture
def logs(tmp_path, monkeypatch):
    """Everything logged (warnings included) goes to a file in the app's log folder."""
    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path / "home"))
    log_dir().mkdir(parents=True)
    handler = logging.FileHandler(log_dir() / "sphericity.log", encoding="utf-8")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logging.captureWarnings(True)
    yield log_dir()
    logging.captureWarnings(False)
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def _sources(tmp_path) -> tuple[list, list[str]]:
    src = tmp_path / "src"
    src.mkdir()
    uid = generate_uid()
    needles: list[str] = []
    for k in range(3):  # a cine split over files
        path = mr_file(src / f"c{k}.dcm", frame(k), series_uid=uid, instance=k + 1)
        needles += _stamp(path, uid)
    enhanced_uid = generate_uid()
    path = enhanced_mr_file(
        src / "e.dcm", np.stack([frame(9), frame(8)]), series_uid=enhanced_uid, triggers_ms=[0, 40]
    )
    needles += _stamp(path, enhanced_uid)
    shutil.copy(get_testdata_file("MR_small_jpeg_ls_lossless.dcm"), src / "j.dcm")
    needles += _stamp(src / "j.dcm", str(pydicom.dcmread(src / "j.dcm").SeriesInstanceUID))
    # A broken file full of identifiers: its failure message must not quote them.
    cut = src / "cut.dcm"
    shutil.copy(get_testdata_file("MR_truncated.dcm"), cut)
    needles += _stamp(cut, str(pydicom.dcmread(cut).SeriesInstanceUID))
    return [src], sorted(set(needles))


def _invalid_value_file(tmp_path) -> tuple[str, str]:
    """A file whose InstanceNumber (IS) holds a name: parsers quote such values in warnings."""
    needle = "Tumtum^Tree"
    placeholder = "123456789012"  # 12 characters, like the needle padded to even length
    path = mr_file(tmp_path / "bad_is.dcm", frame(20), series_uid=generate_uid(), instance=None)
    ds = pydicom.dcmread(path)
    ds.InstanceNumber = placeholder
    ds.save_as(path)
    data = path.read_bytes()
    assert data.count(placeholder.encode()) == 1
    path.write_bytes(data.replace(placeholder.encode(), (needle + " ").encode()))
    return str(path), needle


def test_no_identifier_reaches_project_or_logs(tmp_path, logs, capsys):
    sources, needles = _sources(tmp_path)
    bad_path, bad_needle = _invalid_value_file(tmp_path)
    with Project.create(tmp_path / "p.sphericity") as project:
        report = import_paths(project, [*sources, bad_path])
        n_images = project.count_images()
        failures = dict(report.failures)
    assert n_images == 3 + 2 + 1 + 1  # cine, enhanced, JPEG-LS, the invalid-IS file
    assert list(failures) == [str(sources[0] / "cut.dcm")]
    # cut.dcm fails again beside files already imported: the partial-failure exit status.
    assert main(["import", str(tmp_path / "p.sphericity"), *map(str, sources), bad_path]) == 3
    printed = capsys.readouterr()
    all_needles = [*needles, bad_needle]
    for text in (printed.out, printed.err, *failures.values()):
        assert not [n for n in all_needles if n.lower() in text.lower()]
    assert (logs / "sphericity.log").stat().st_size > 0  # the import did log
    assert_no_identifiers([*project_files(tmp_path / "p.sphericity"), logs], all_needles)


def test_the_check_finds_a_planted_identifier(tmp_path):
    (tmp_path / "leak.log").write_text(f"import failed: {IDENTIFIERS['PatientName']}")
    with pytest.raises(AssertionError, match="Quagmire"):
        assert_no_identifiers([tmp_path], ["Zyxwvut^Quagmire"])
    (tmp_path / "leak.log").write_bytes("x zyxwvut^quagmire".encode("utf-16-le"))
    with pytest.raises(AssertionError):
        assert_no_identifiers([tmp_path], ["Zyxwvut^Quagmire"])
