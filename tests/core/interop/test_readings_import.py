"""Readings back in: exact round trips through CSV, COCO and SR, and every rejection reason."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from interop_fixtures import fresh_project

from app.cli.main import main
from core.export import export_csv
from core.interop.coco import export_coco
from core.interop.dicom_export import export_dicom
from core.interop.readings_import import ReadingsFileError, import_readings, read_csv
from core.store import Project


def _export(kind: str, source_path: str, out_dir):
    with Project.open(source_path) as project:
        if kind == "csv":
            export_csv(project, out_dir / "readings.csv")
            return out_dir / "readings.csv"
        if kind == "coco":
            export_coco(project, out_dir / "readings.json")
            return out_dir / "readings.json"
        export_dicom(project, out_dir / "dicom")
        return out_dir / "dicom"


def _by_image_and_reader(project) -> dict:
    return {
        (project.image(r.image_id).content_hash, r.annotator_name): r for r in project.readings()
    }


@pytest.mark.parametrize(
    "kind", ["csv", "coco", pytest.param("sr", marks=pytest.mark.slow)]
)  # highdicom reads an SR in about a second
def test_round_trip_into_a_fresh_project_is_exact(kind, interop_source, tmp_path):
    exported = _export(kind, interop_source.path, tmp_path)
    with fresh_project(tmp_path / "fresh.sphericity", interop_source) as fresh:
        result = import_readings(fresh, exported)
        assert result.rejected == [] and result.written and len(result.imported) == 4
        after = _by_image_and_reader(fresh)
    with Project.open(interop_source.path) as source:
        before = _by_image_and_reader(source)
    assert after.keys() == before.keys()
    for key, old in before.items():
        new = after[key]
        for a, b in zip(old.landmarks.points(), new.landmarks.points(), strict=True):
            assert abs(a[0] - b[0]) <= 0.01 and abs(a[1] - b[1]) <= 0.01
        assert new.landmarks == old.landmarks  # in fact bit for bit
        assert new.si == old.si
        assert (new.length_mm, new.width_mm) == (old.length_mm, old.width_mm)
        assert new.status == "submitted"
        if kind == "csv":  # the CSV carries no contour points
            assert new.contour is None
        else:
            assert (new.contour is None) == (old.contour is None)
            if old.contour is not None:
                tolerance = 0.0 if kind == "coco" else 1e-4  # SCOORD is 32-bit float
                pairs = zip(old.contour, new.contour, strict=True)
                assert all(
                    abs(a - b) <= tolerance for p, q in pairs for a, b in zip(p, q, strict=True)
                )
                assert new.si_contour == pytest.approx(old.si_contour, abs=1e-6)


@pytest.mark.slow
def test_sr_round_trip_through_the_exported_dicom_frames(interop_source, tmp_path):
    """The fresh project imports the exported frames themselves: the UIDs still match."""
    from core.importer import import_paths

    exported = _export("sr", interop_source.path, tmp_path)
    with Project.create(tmp_path / "from-dicom.sphericity") as fresh:
        report = import_paths(fresh, sorted(exported.rglob("IM_*.dcm")))
        assert report.failures == [] and len(report.imported) == 3
        result = import_readings(fresh, exported, reader="carl")
        assert result.rejected == [(w, r) for w, r in result.rejected if "second reading" in r]
        assert len(result.rejected) == 1  # two readings of image a, one reader named
        assert not result.written  # nothing half-written
        assert fresh.readings() == []
        result = import_readings(fresh, exported, reader="carl", skip_invalid=True)
        assert len(result.imported) == 3
        si = sorted(r.si for r in fresh.readings())
    with Project.open(interop_source.path) as source:
        originals = {r.si for r in source.readings()}
    assert set(si) <= originals


def test_rejections_are_listed_and_nothing_is_written(interop_source, tmp_path):
    coco = _export("coco", interop_source.path, tmp_path)
    document = json.loads(coco.read_text(encoding="utf-8"))
    first, second, third, fourth = document["annotations"]
    document["images"].append({"id": 99, "file_name": "elsewhere.png", "width": 9, "height": 9})
    first["image_id"] = 99  # matches no image
    second["sphericity"]["reader"] = ""  # names no reader
    third["keypoints"][3:5] = third["keypoints"][0:2]  # hinge A on the apex: degenerate
    fourth["keypoints"][2] = 0  # apex not labelled
    document["annotations"].append(dict(document["annotations"][1], id=5))
    coco.write_text(json.dumps(document), encoding="utf-8")
    with fresh_project(tmp_path / "fresh.sphericity", interop_source) as project:
        result = import_readings(project, coco)
        assert project.readings() == []
        reasons = dict(result.rejected)
        assert not result.written and result.imported == []
        assert "no image of the project" in reasons["annotation 1"]
        assert "names no reader" in reasons["annotation 2"]
        assert "mitral hinge" in reasons["annotation 3"] or "apex" in reasons["annotation 3"]
        assert reasons["annotation 4"] == "keypoint apex is not labelled (visibility 0)"
        assert "names no reader" in reasons["annotation 5"]
        # The same file with a reader named: the valid ones go in, the others stay listed.
        result = import_readings(project, coco, reader="eve", skip_invalid=True)
        assert [entry[0] for entry in result.imported] == ["annotation 2"]
        assert "second reading" in dict(result.rejected)["annotation 5"]
        assert len(project.readings()) == 1


def test_existing_readings_are_left_alone(interop_project, tmp_path):
    csv_path = _export("csv", interop_project.path, tmp_path)
    with Project.open(interop_project.path) as project:
        result = import_readings(project, csv_path)
        assert len(result.rejected) == 4 and not result.written
        assert all("already has a reading" in reason for _, reason in result.rejected)
        result = import_readings(project, csv_path, reader="dora", skip_invalid=True)
    # Image a has two readings in the file: one reader cannot take both.
    assert len(result.imported) == 3 and len(result.rejected) == 1


def test_unknown_files_are_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    bad_csv = tmp_path / "images.csv"
    bad_csv.write_text("image_id,si\n1,0.5\n")
    with pytest.raises(ReadingsFileError, match="not a COCO"):
        read_csv_or_any(text)
    with pytest.raises(ReadingsFileError, match="per-reading export CSV"):
        read_csv(bad_csv)


def read_csv_or_any(path):
    from core.interop.readings_import import read_entries

    return read_entries(path)


@pytest.mark.slow
def test_cli_export_and_import(interop_source, tmp_path, capsys):
    assert main(["export", interop_source.path, "--coco", str(tmp_path / "r.json")]) == 0
    assert "4 annotations on 3 images" in capsys.readouterr().out
    assert main(["export", interop_source.path, "--dicom", str(tmp_path / "d")]) == 0
    assert "4 reports on 3 images in 2 studies" in capsys.readouterr().out
    fresh = tmp_path / "fresh.sphericity"
    fresh_project(fresh, interop_source).close()
    assert main(["import-readings", str(fresh), str(tmp_path / "r.json")]) == 0
    assert "imported 4 readings" in capsys.readouterr().out
    assert main(["import-readings", str(fresh), str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert err.count("already has a reading") == 4 and "nothing imported" in err
    assert main(["export", interop_source.path, "--csv", "x.csv", "--images", "i"]) == 2
    out = str(tmp_path / "x.json")
    assert main(["export", interop_source.path, "--coco", out, "--per", "image"]) == 2
    assert not (tmp_path / "x.json").exists()


@given(
    st.lists(
        st.floats(min_value=0.0, max_value=4000.0, allow_nan=False, allow_infinity=False),
        min_size=10,
        max_size=10,
    )
)
def test_csv_cells_read_back_bit_for_bit(values):
    """The export writes repr() of each float; the import's float() gives the same double."""
    from core.export import format_cell
    from core.interop.readings_import import _csv_entry

    row = {"image_uid": "2.25.1", "annotator": "'=x"}
    names = [f"{n}_{a}_px" for n in ("apex", "hinge_a", "hinge_b", "w1", "w2") for a in "xy"]
    row.update({name: format_cell(v) for name, v in zip(names, values, strict=True)})
    entry = _csv_entry(row, 2)
    got = [c for point in entry.landmarks.values() for c in point]
    assert got == values and entry.reader == "=x"
