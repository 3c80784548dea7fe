"""CSV export: values against core.geometry.measure, filters, the active run, CSV injection."""

import csv
import math

import pytest
from export_fixtures import HYPERLINK

from core.export import (
    INJECTION_PREFIXES,
    LANDMARK_PX_COLUMNS,
    columns,
    export_csv,
    format_cell,
    neutralise,
)
from core.geometry import LANDMARK_NAMES, Spacing, measure
from core.store import Project


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def export(small_project, tmp_path, **options):
    out = tmp_path / "out.csv"
    with Project.open(small_project.path) as project:
        summary = export_csv(project, out, **options)
    header, rows = read_csv(out)
    return summary, header, rows, out


def by_reading(rows):
    return {int(r["reading_id"]): r for r in rows}


def test_file_format_bom_header_crlf(small_project, tmp_path):
    summary, header, rows, out = export(small_project, tmp_path)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    assert raw.count(b"\r\n") >= len(rows) + 1
    assert tuple(header) == columns("reading")
    assert summary.rows == len(rows) == 4
    assert summary.images == 3 and summary.spacing_unknown_images == 1
    assert "Zoë Ödegård" in raw.decode("utf-8-sig")


def test_reading_values_equal_geometry_measure(small_project, tmp_path):
    _, _, rows, _ = export(small_project, tmp_path)
    rows = by_reading(rows)
    for key in ("a_ann", "a_evil", "b_zoe"):
        stored = small_project.readings[key]
        row = rows[stored.id]
        spacing_row, spacing_col = float(row["spacing_row_mm"]), float(row["spacing_col_mm"])
        spacing = Spacing(spacing_row, spacing_col)
        expected = measure(stored.landmarks, spacing)
        assert float(row["length_mm"]) == pytest.approx(expected.length_mm, rel=1e-12)
        assert float(row["width_mm"]) == pytest.approx(expected.width_mm, rel=1e-12)
        assert float(row["si"]) == pytest.approx(expected.si, rel=1e-12)
        for name, (x, y) in zip(LANDMARK_NAMES, stored.landmarks.points(), strict=True):
            assert float(row[f"{name}_x_px"]) == x and float(row[f"{name}_y_px"]) == y
            assert float(row[f"{name}_x_mm"]) == pytest.approx(x * spacing_col, rel=1e-12)
            assert float(row[f"{name}_y_mm"]) == pytest.approx(y * spacing_row, rel=1e-12)
        assert row["spacing_known"] == "true"
        assert row["status"] == stored.status
        assert row["created_at_utc"] == stored.created_at.strftime("%Y-%m-%d %H:%M:%S")
        assert row["has_contour"] == "false" and row["si_contour"] == ""
    assert rows[small_project.readings["a_ann"].id]["is_ed"] == "true"
    assert rows[small_project.readings["a_ann"].id]["split"] == "train"
    assert rows[small_project.readings["a_ann"].id]["source"] == "synthetic"


def test_reference_si_is_mean_of_approved(small_project, tmp_path):
    _, _, rows, _ = export(small_project, tmp_path)
    rows = by_reading(rows)
    a_ann, a_evil = small_project.readings["a_ann"], small_project.readings["a_evil"]
    row = rows[a_ann.id]
    assert float(row["reference_si"]) == pytest.approx((a_ann.si + a_evil.si) / 2, rel=1e-12)
    assert row["n_reference_readings"] == "2"
    b_row = rows[small_project.readings["b_zoe"].id]
    assert b_row["reference_si"] == "" and b_row["n_reference_readings"] == "0"
    _, _, with_submitted, _ = export(small_project, tmp_path, include_submitted=True)
    b_row = by_reading(with_submitted)[small_project.readings["b_zoe"].id]
    assert float(b_row["reference_si"]) == pytest.approx(small_project.readings["b_zoe"].si)


def test_unknown_spacing_leaves_mm_cells_empty(small_project, tmp_path):
    _, _, rows, _ = export(small_project, tmp_path)
    row = by_reading(rows)[small_project.readings["c_ann"].id]
    assert row["spacing_known"] == "false"
    mm_cells = [k for k in row if k.endswith("_mm")]
    assert len(mm_cells) == 14  # two spacings, ten landmark coordinates, length, width
    assert all(row[k] == "" for k in mm_cells)
    assert all(row[k] != "" for k in LANDMARK_PX_COLUMNS)
    assert float(row["si"]) == pytest.approx(small_project.readings["c_ann"].si)


def test_model_columns_come_from_the_latest_finished_run(small_project, tmp_path):
    summary, _, rows, out = export(small_project, tmp_path)
    latest = small_project.run_ids["latest"]
    assert summary.run_id == latest  # the later cancelled run is not used
    row = by_reading(rows)[small_project.readings["a_ann"].id]
    assert row["model_run_id"] == str(latest)
    assert row["model_si_landmarks"] == "-0.25"  # a negative number stays a number
    assert row["model_si"] == "-0.25"  # that run's model SI is its landmark SI
    assert row["model_si_regression"] == "0.61"
    c_row = by_reading(rows)[small_project.readings["c_ann"].id]
    assert c_row["model_run_id"] == "" and c_row["model_si"] == ""
    assert b",-0.25," in out.read_bytes()


def test_active_run_setting_wins(small_project, tmp_path):
    with Project.open(small_project.path) as project:
        project.set_setting("active_run_id", small_project.run_ids["old"])
    summary, _, rows, _ = export(small_project, tmp_path)
    assert summary.run_id == small_project.run_ids["old"]
    row = by_reading(rows)[small_project.readings["a_ann"].id]
    assert row["model_si"] == "0.111"  # the old run's kind is regression
    assert by_reading(rows)[small_project.readings["b_zoe"].id]["model_si"] == ""


def test_status_and_split_filters(small_project, tmp_path):
    _, _, rows, _ = export(small_project, tmp_path, statuses=["approved"])
    assert {r["annotator"] for r in rows} == {"ann", "'" + HYPERLINK}
    _, _, rows, _ = export(small_project, tmp_path, splits=["test"])
    assert [int(r["reading_id"]) for r in rows] == [small_project.readings["b_zoe"].id]
    _, _, rows, _ = export(small_project, tmp_path, splits=["none", "train"])
    assert {r["split"] for r in rows} == {"", "train"}
    _, _, rows, _ = export(small_project, tmp_path, statuses=["rejected"])
    assert rows == []


def test_per_image_rows(small_project, tmp_path):
    _, header, rows, _ = export(small_project, tmp_path, per="image")
    assert tuple(header) == columns("image")
    assert [int(r["image_id"]) for r in rows] == sorted(small_project.images.values())
    row_a = rows[0]
    a_ann, a_evil = small_project.readings["a_ann"], small_project.readings["a_evil"]
    assert row_a["n_readings"] == "2"
    assert float(row_a["readings_si_mean"]) == pytest.approx((a_ann.si + a_evil.si) / 2)
    assert float(row_a["reference_si"]) == pytest.approx((a_ann.si + a_evil.si) / 2)
    # reference landmarks: mean position of the approved readings (they differ in W1 and W2)
    for name, p, q in zip(
        LANDMARK_NAMES, a_ann.landmarks.points(), a_evil.landmarks.points(), strict=True
    ):
        assert float(row_a[f"reference_{name}_x_px"]) == pytest.approx((p[0] + q[0]) / 2)
        assert float(row_a[f"reference_{name}_y_px"]) == pytest.approx((p[1] + q[1]) / 2)
    assert rows[1]["reference_apex_x_px"] == ""  # image b has no approved reading
    _, _, approved_only, _ = export(small_project, tmp_path, per="image", statuses=["approved"])
    assert [int(r["image_id"]) for r in approved_only] == [small_project.images["a"]]


def test_injection_is_neutralised_in_text_cells_only(small_project, tmp_path):
    _, _, rows, out = export(small_project, tmp_path)
    rows = by_reading(rows)
    evil = rows[small_project.readings["a_evil"].id]
    assert evil["annotator"] == "'" + HYPERLINK
    assert evil["note"].startswith("'+cmd")
    zoe = rows[small_project.readings["b_zoe"].id]
    assert zoe["note"] == "'-5"  # text that looks like a number is still text
    assert rows[small_project.readings["c_ann"].id]["series_key"] == "'-series-with-dash"
    for row in rows.values():
        for cell in row.values():
            if cell.startswith(INJECTION_PREFIXES):
                float(cell)  # only numbers may start with a formula character
    text = out.read_bytes().decode("utf-8-sig")
    assert ",=HYPERLINK" not in text and ",+cmd" not in text and '"=HYPERLINK' not in text


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        (-1.5, "-1.5"),
        (-3, "-3"),
        (0.1, "0.1"),
        (None, ""),
        (float("nan"), ""),
        (True, "true"),
    ],
)
def test_format_cell(value, cell):
    assert format_cell(value) == cell


def test_format_cell_numpy_scalars_and_round_trip():
    import numpy as np

    assert format_cell(np.float32(0.5)) == "0.5"
    assert format_cell(np.int64(-7)) == "-7"
    x = 0.1 + 0.2
    assert float(format_cell(x)) == x  # full precision
    assert neutralise("=x") == "'=x"
    assert format_cell(math.inf) == ""


def test_export_from_an_open_repository(small_project, tmp_path):
    # Callers already inside a transaction (the window's workers) pass their Repository.
    with Project.open(small_project.path) as project, project.transaction(write=False) as repo:
        summary = export_csv(repo, tmp_path / "repo.csv", per="image")
    assert summary.rows == 3
    assert len(read_csv(tmp_path / "repo.csv")[1]) == 3
