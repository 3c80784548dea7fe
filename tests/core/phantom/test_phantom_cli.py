"""`sphericity generate` (PNG, DICOM, project) and `sphericity demo --no-open`."""

from __future__ import annotations

import csv

import numpy as np
import pydicom
import pytest
from PIL import Image

from app.cli import cmd_demo
from app.cli.main import main
from core.geometry import LANDMARK_NAMES, Landmarks, Spacing, measure
from core.phantom import generate_cine, generate_frame
from core.store import ImageFilter, Project


def _truth(folder):
    with open(folder / "truth.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _landmarks(row):
    return Landmarks.from_dict(
        {n: (float(row[f"{n}_x"]), float(row[f"{n}_y"])) for n in LANDMARK_NAMES}
    )


def test_generate_png_frames_and_truth(tmp_path, capsys):
    assert main(["generate", str(tmp_path), "--n", "3", "--seed", "40"]) == 0
    rows = _truth(tmp_path)
    assert [r["file"] for r in rows] == [f"phantom-{s}_f000.png" for s in (40, 41, 42)]
    for row, seed in zip(rows, (40, 41, 42), strict=True):
        frame = generate_frame(seed)
        pixels = np.asarray(Image.open(tmp_path / row["file"]))
        assert pixels.dtype == np.uint16 and np.array_equal(pixels, frame.pixels)
        spacing = Spacing(float(row["row_mm"]), float(row["col_mm"]))
        assert spacing == frame.spacing
        assert measure(_landmarks(row), spacing).si == pytest.approx(float(row["si"]), abs=1e-12)
        assert float(row["si"]) == pytest.approx(frame.si, abs=1e-12)
        assert row["is_ed"] == "1"
    assert "wrote 3 PNG frames" in capsys.readouterr().out


def test_generate_dicom_cines(tmp_path):
    assert (
        main(["generate", str(tmp_path), "--n", "3", "--seed", "7", "--cine", "3", "--dicom"]) == 0
    )
    rows = _truth(tmp_path)
    cine = generate_cine(7, n_frames=3)
    assert len(rows) == 3 and {r["series"] for r in rows} == {"phantom-7"}
    assert [r["is_ed"] for r in rows].index("1") == cine.ed_index
    for row, frame in zip(rows, cine.frames, strict=True):
        ds = pydicom.dcmread(tmp_path / row["file"])
        assert ds.SOPClassUID == pydicom.uid.MRImageStorage and ds.Modality == "MR"
        assert np.array_equal(ds.pixel_array, frame.pixels)
        assert [float(v) for v in ds.PixelSpacing] == [frame.spacing.row_mm, frame.spacing.col_mm]
        assert ds.InstanceNumber == frame.frame_index + 1
        assert float(ds.TriggerTime) == pytest.approx(
            frame.frame_index * cine.frame_interval_ms, abs=1e-3
        )
    uids = {pydicom.dcmread(tmp_path / r["file"]).SOPInstanceUID for r in rows}
    assert len(uids) == 3


def test_generate_into_a_project_stores_truth_as_approved_readings(tmp_path):
    path = tmp_path / "p.sphericity"
    args = ["generate", "--project", str(path), "--n", "4", "--seed", "11", "--cine", "2"]
    assert main(args) == 0
    assert main(args) == 0  # again: nothing new, nothing duplicated
    with Project.open(path) as project:
        images = project.list_images(ImageFilter(source="synthetic"), limit=100)
        assert len(images) == 4
        assert sum(i.is_ed for i in images) == 2
        annotators = {name: (aid, role) for aid, name, role in project.annotators()}
        phantom_id, role = annotators["phantom"]
        assert role == "annotator"
        cine = generate_cine(11, n_frames=2)
        for info in images:
            reading = project.reading(info.id, phantom_id)
            assert reading.status == "approved" and reading.version == 1
            if info.series_key == "phantom-11":
                frame = cine.frames[info.frame_index]
                assert reading.si == pytest.approx(frame.si, abs=1e-12)
                assert np.array_equal(project.pixels(info.id), frame.pixels)
                assert info.spacing == frame.spacing


def test_generate_refuses_unclear_requests(tmp_path, capsys):
    assert main(["generate", "--n", "2"]) == 2
    assert main(["generate", str(tmp_path), "--project", str(tmp_path / "p"), "--n", "2"]) == 2
    assert main(["generate", str(tmp_path), "--cine", "1"]) == 2
    assert "OUT or --project" in capsys.readouterr().err


def test_demo_creates_once_and_reads_a_few(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cmd_demo, "DEMO_CINES", 3)
    monkeypatch.setattr(cmd_demo, "DEMO_FRAMES", 3)
    monkeypatch.setattr(cmd_demo, "READ_CINES", 1)
    monkeypatch.setenv("SPHERICITY_HOME", str(tmp_path))
    assert main(["demo", "--no-open"]) == 0
    path = tmp_path / "demo.sphericity"
    assert path.is_file() and not (tmp_path / "demo.sphericity.part").exists()
    with Project.open(path) as project:
        info = project.info()
        assert info["images"] == 9 and info["series"] == 3
        approved = project.readings(status=["approved"])
        assert len(approved) == 2  # ED and ES of the first cine; the rest unread
    assert "demo project ready" in capsys.readouterr().out
    modified = path.stat().st_mtime_ns
    assert main(["demo", "--no-open"]) == 0
    assert path.stat().st_mtime_ns == modified
    assert "already there" in capsys.readouterr().out


def test_generate_the_shifted_family_as_files_and_into_a_project(tmp_path):
    out = tmp_path / "files"
    assert main(["generate", str(out), "--n", "2", "--seed", "5", "--family", "shifted"]) == 0
    rows = _truth(out)
    assert [r["series"] for r in rows] == ["phantom-shifted-5", "phantom-shifted-6"]
    frame = generate_frame(5, family="shifted")
    assert np.array_equal(np.asarray(Image.open(out / rows[0]["file"])), frame.pixels)
    assert float(rows[0]["si"]) == pytest.approx(frame.si, abs=1e-12)
    path = tmp_path / "p.sphericity"
    for family in ("base", "shifted"):  # both families side by side in one project
        args = ["generate", "--project", str(path), "--n", "2", "--seed", "5"]
        assert main([*args, "--family", family]) == 0
    with Project.open(path) as project:
        images = project.list_images(ImageFilter(source="synthetic"), limit=100)
        keys = {i.series_key for i in images}
        assert keys == {"phantom-5", "phantom-6", "phantom-shifted-5", "phantom-shifted-6"}
        (shifted,) = [i for i in images if i.series_key == "phantom-shifted-5"]
        assert np.array_equal(project.pixels(shifted.id), frame.pixels)
