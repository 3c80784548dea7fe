"""DICOM export: valid files (dciodvfy, dsrdump), SRs equal to the CSV, points on their pixels."""

import csv
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.export import CSV_ENCODING, export_csv
from core.interop import codes
from core.interop.dicom_export import export_dicom
from core.interop.keys import image_uid
from core.interop.sr import from_dicom, read_sr, to_dicom
from core.store import Project

_TEXT = dict(capture_output=True, text=True, errors="replace", check=False)


def require_tool(name: str) -> str:
    """The tool's path; skips when it is missing here, fails when missing under CI."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (Debian: apt-get install dicom3tools dcmtk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _export(built, out: Path, **options) -> list[Path]:
    with Project.open(built.path) as project:
        summary = export_dicom(project, out, **options)
    assert summary.path == out
    return sorted(out.rglob("*.dcm"))


@pytest.fixture(scope="module")
def exported(interop_source, tmp_path_factory) -> list[Path]:
    """The DICOM export of the whole source project (read-only for the tests that use it)."""
    return _export(interop_source, tmp_path_factory.mktemp("dicom") / "out")


def _csv_rows(built, tmp_path) -> dict[tuple[str, str], dict]:
    with Project.open(built.path) as project:
        export_csv(project, tmp_path / "readings.csv")
    with open(tmp_path / "readings.csv", encoding=CSV_ENCODING, newline="") as fh:
        return {(row["image_uid"], row["annotator"]): row for row in csv.DictReader(fh)}


def test_layout_one_study_per_subject(interop_source, exported, tmp_path):
    files = exported
    by_folder = {}
    for path in files:
        by_folder.setdefault(path.parent.name, []).append(path.name)
    # subject-1 holds images a and b (3 readings); the PNG-like series is its own subject.
    assert by_folder == {
        "subject_001": ["IM_0001.dcm", "IM_0002.dcm", "SR_0001.dcm", "SR_0002.dcm", "SR_0003.dcm"],
        "subject_002": ["IM_0001.dcm", "SR_0001.dcm"],
    }
    datasets = [pydicom.dcmread(p) for p in files]
    studies = {str(d.StudyInstanceUID) for d in datasets}
    assert len(studies) == 2
    for folder in ("subject_001", "subject_002"):
        in_study = [d for p, d in zip(files, datasets, strict=True) if p.parent.name == folder]
        assert len({str(d.StudyInstanceUID) for d in in_study}) == 1
        assert len({str(d.PatientID) for d in in_study}) == 1


def test_status_filter(interop_project, tmp_path):
    files = _export(interop_project, tmp_path / "dicom", statuses=["approved"])
    assert [p.name for p in files] == ["IM_0001.dcm", "SR_0001.dcm"]


def test_files_pass_dciodvfy_without_errors(interop_source, exported, tmp_path):
    tool = require_tool("dciodvfy")
    files = exported
    for path in files:
        done = subprocess.run([tool, str(path)], **_TEXT)
        output = done.stdout + done.stderr
        errors = [line for line in output.splitlines() if line.startswith("Error")]
        assert not errors, f"{path.name}: {errors}"
        assert ("ComprehensiveSR" if path.name.startswith("SR") else "SCImage") in output


def test_reports_parse_with_dsrdump(interop_source, exported, tmp_path):
    tool = require_tool("dsrdump")
    files = [p for p in exported if p.name.startswith("SR")]
    for path in files:
        done = subprocess.run([tool, str(path)], **_TEXT)
        assert done.returncode == 0, done.stderr
        assert "Imaging Measurement Report" in done.stdout
        assert "99SPHST" in done.stdout
        assert "E:" not in done.stderr, done.stderr


def test_reports_read_back_equal_the_csv(interop_source, exported, tmp_path):
    rows = _csv_rows(interop_source, tmp_path)
    files = [p for p in exported if p.name.startswith("SR")]
    assert len(files) == len(rows) == 4
    for path in files:
        found = read_sr(path)
        row = rows.pop((found.image_uid, found.reader))
        assert found.status == row["status"]
        for name in ("si", "length_mm", "width_mm", "si_contour", "si_volumetric"):
            value = getattr(found, name)
            assert (value is None) == (row[name] == ""), name
            if value is not None:
                assert value == float(row[name]), name  # full precision (FloatingPointValue)
        for name, (x, y) in found.landmarks.items():
            assert (x, y) == (float(row[f"{name}_x_px"]), float(row[f"{name}_y_px"]))
        assert (found.contour is not None) == (row["has_contour"] == "true")
    assert not rows


def test_unknown_spacing_has_no_lengths(interop_source, exported, tmp_path):
    files = exported
    image = pydicom.dcmread(next(p for p in files if p.parent.name == "subject_002"))
    assert "PixelSpacing" not in image
    report = read_sr(next(p for p in files if p.parent.name == "subject_002" and "SR" in p.name))
    assert report.length_mm is None and report.width_mm is None and report.si is not None


def test_frames_hold_the_stored_pixels_and_spacing(interop_source, exported, tmp_path):
    files = exported
    images = [pydicom.dcmread(p) for p in files if p.name.startswith("IM")]
    with Project.open(interop_source.path) as project:
        for name, image_id in interop_source.images.items():
            info = project.image(image_id)
            (ds,) = [d for d in images if d.SOPInstanceUID == image_uid(info.content_hash)]
            np.testing.assert_array_equal(ds.pixel_array, project.pixels(image_id))
            spacing = interop_source.frames[name][1]
            if spacing is not None:
                assert [float(v) for v in ds.PixelSpacing] == [spacing.row_mm, spacing.col_mm]


@pytest.mark.slow
def test_sr_points_land_on_the_reading_pixels(interop_source, exported, tmp_path):
    """SCOORD (0, 0) is the corner of the top-left pixel: the pixel a viewer draws a point on
    (floor of the DICOM coordinate) is the pixel whose centre is nearest the reading's point."""
    import highdicom as hd

    files = exported
    images = {str(d.SOPInstanceUID): d for d in map(pydicom.dcmread, files) if d.Modality != "SR"}
    with Project.open(interop_source.path) as project:
        readings = {(r.image_id, r.annotator_name): r for r in project.readings()}
        uid_to_id = {image_uid(project.image(i).content_hash): i for i, _ in readings}
        stored = {i: project.pixels(i) for i in uid_to_id.values()}
    checked = 0
    for path in (p for p in files if p.name.startswith("SR")):
        report = hd.sr.srread(path)
        found = read_sr(path)
        reading = readings[(uid_to_id[found.image_uid], found.reader)]
        pixels = images[found.image_uid].pixel_array
        own = stored[uid_to_id[found.image_uid]]
        for group in report.content.get_planar_roi_measurement_groups():
            finding = group.finding_type.value
            name = next((n for n, c in codes.LANDMARKS.items() if c.value == finding), None)
            if name is None:
                continue
            ((col, row),) = group.roi.value  # float32, DICOM image coordinates
            x, y = getattr(reading.landmarks, name)
            assert math.floor(col) == round(x) and math.floor(row) == round(y)
            assert abs(col - 0.5 - x) < 1e-4 and abs(row - 0.5 - y) < 1e-4
            assert pixels[math.floor(row), math.floor(col)] == own[round(y), round(x)]
            checked += 1
    assert checked == 4 * 5


@given(
    st.floats(min_value=-0.49, max_value=4095.49, allow_nan=False),
    st.floats(min_value=-0.49, max_value=4095.49, allow_nan=False),
)
def test_dicom_coordinates_fall_in_the_nearest_pixel(x, y):
    """The pixel a DICOM point lies in (floor) is the project pixel whose centre is nearest."""
    ((col, row),) = to_dicom([(x, y)])
    assert (math.floor(col), math.floor(row)) == (math.floor(x + 0.5), math.floor(y + 0.5))
    ((x2, y2),) = from_dicom(np.array([[col, row]]))
    assert abs(x2 - x) <= 1e-12 and abs(y2 - y) <= 1e-12


def test_coordinate_conversion_is_half_a_pixel():
    assert to_dicom([(0.0, 0.0)]).tolist() == [[0.5, 0.5]]
    assert from_dicom(np.array([[10.5, 3.5]])) == [(10.0, 3.0)]


def test_refuses_a_folder_with_files_and_leaves_nothing_on_failure(
    interop_project, tmp_path, monkeypatch
):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with Project.open(interop_project.path) as project, pytest.raises(FileExistsError):
        export_dicom(project, busy)
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("core.interop.dicom_export.build_sr", broken)
    with Project.open(interop_project.path) as project, pytest.raises(RuntimeError):
        export_dicom(project, tmp_path / "new")
    assert not (tmp_path / "new").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export-dicom-")]


def test_float_frames_keep_their_values_through_the_rescale(tmp_path):
    """Frames that are not 8- or 16-bit integers are mapped onto 16 bits with a rescale."""
    from pydicom.pixels import apply_modality_lut

    from core.geometry import Landmarks

    pixels = (np.random.default_rng(0).normal(size=(40, 50)) * 100).astype(np.float32)
    with Project.create(tmp_path / "f.sphericity") as project:
        with project.transaction() as repo:
            series = repo.add_series("float-series")
            image_id, _ = repo.add_image(series, pixels, frame_index=0, spacing=None)
            reader = repo.ensure_annotator("ann")
            landmarks = Landmarks((25, 5), (15, 30), (35, 30), (14, 18), (36, 18))
            repo.save_reading(image_id, reader, landmarks, status="approved")
        export_dicom(project, tmp_path / "out")
    ds = pydicom.dcmread(tmp_path / "out" / "subject_001" / "IM_0001.dcm")
    values = apply_modality_lut(ds.pixel_array, ds)
    span = float(pixels.max() - pixels.min())
    assert np.abs(values - pixels).max() <= span / 65535  # half a step, plus DS rounding
    if shutil.which("dciodvfy"):
        done = subprocess.run(["dciodvfy", str(ds.filename)], **_TEXT)
        assert "Error" not in done.stdout + done.stderr
