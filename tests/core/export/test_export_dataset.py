"""Dataset export (PNG frames + labels.csv), the CLI, atomic writes and streaming."""

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import core.export
from app.cli import cmd_export
from app.cli.main import main
from core.export import columns, export_csv
from core.export_dataset import DATASET_CSV, export_dataset, png_values, write_png
from core.geometry import Spacing
from core.store import Project


def read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def read_png(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.array(im)


def test_dataset_pngs_hold_the_stored_pixels(small_project, tmp_path):
    out = tmp_path / "dataset"
    with Project.open(small_project.path) as project:
        summary = export_dataset(project, out, per="image")
    rows = read_rows(out / DATASET_CSV)
    assert summary.images == len(rows) == 3
    assert list(rows[0])[: len(columns("image"))] == list(columns("image"))
    for row in rows:
        stored = small_project.pixels[int(row["image_id"])]
        png = read_png(out / row["file"])
        assert png.shape == stored.shape
        np.testing.assert_array_equal(png.astype(stored.dtype), stored)
        assert row["png_bits"] == ("16" if stored.dtype == np.uint16 else "8")
        assert row["png_value_offset"] == "" and row["png_value_scale"] == ""
    with Image.open(out / rows[0]["file"]) as im:
        assert im.mode.startswith("I")  # 16-bit greyscale, not squashed to 8 bits
        assert not im.text  # no metadata chunks
    assert sorted(p.name for p in (out / "images").iterdir()) == sorted(
        f"image_{r['image_id']}.png" for r in rows
    )


def test_dataset_per_reading_writes_each_image_once(small_project, tmp_path):
    out = tmp_path / "dataset"
    with Project.open(small_project.path) as project:
        summary = export_dataset(project, out, statuses=["approved", "submitted"])
    rows = read_rows(out / DATASET_CSV)
    assert summary.rows == len(rows) == 3  # two readings of image a, one of b
    files = {r["file"] for r in rows}
    assert len(files) == 2 == len(list((out / "images").iterdir()))


def test_dataset_refuses_a_folder_with_files(small_project, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with Project.open(small_project.path) as project, pytest.raises(FileExistsError):
        export_dataset(project, tmp_path / "full")
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "pixels",
    [
        np.array([[0, 65535], [1234, 7]], dtype=np.uint16),
        np.array([[0, 255], [12, 7]], dtype=np.uint8),
        np.array([[0, 3000], [12, 7]], dtype=np.int16),
        np.array([[-100, 3000], [12, 7]], dtype=np.int16),
        np.array([[0.25, 1.5], [-2.0, 7.125]], dtype=np.float32),
    ],
)
def test_png_round_trip(tmp_path, pixels):
    path = tmp_path / "frame.png"
    bits, offset, scale = write_png(pixels, path)
    png = read_png(path).astype(np.float64)
    restored = png if offset is None else offset + png * scale
    tolerance = 0 if offset is None else scale / 2 + 1e-9
    np.testing.assert_allclose(restored, pixels.astype(np.float64), atol=tolerance)
    assert bits == (8 if pixels.dtype == np.uint8 else 16)


def test_png_values_refuses_odd_shapes():
    with pytest.raises(ValueError):
        png_values(np.zeros((2, 2, 2), dtype=np.uint16))


def test_failed_export_leaves_no_file(small_project, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_text("previous export")
    names_before = sorted(p.name for p in tmp_path.iterdir())  # the SQLite project may be here

    def broken(*args, **kwargs):
        yield from ()
        raise RuntimeError("disk went away")

    monkeypatch.setattr(core.export, "iter_export_rows", broken)
    with Project.open(small_project.path) as project, pytest.raises(RuntimeError):
        export_csv(project, out)
    assert out.read_text() == "previous export"  # untouched, and no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir()) == names_before


def test_paging_reaches_every_image(small_project, tmp_path, monkeypatch):
    monkeypatch.setattr(core.export, "_PAGE", 2)
    with Project.open(small_project.path) as project:
        summary = export_csv(project, tmp_path / "out.csv", per="image")
    assert summary.rows == 3


def export_command(argv: list[str]) -> int:
    # The command module alone: main() also builds every other command's parser, and some of
    # those import torch at module level (seconds per call).
    parser = argparse.ArgumentParser(prog="sphericity export")
    cmd_export.add_arguments("export", parser)
    return cmd_export.run("export", parser.parse_args(argv))


def test_cli_through_the_dispatcher(small_project, tmp_path, capsys):
    out = tmp_path / "cli.csv"
    assert main(["export", small_project.path, "--csv", str(out), "--status", "approved"]) == 0
    assert len(read_rows(out)) == 2
    assert "wrote 2 rows for 1 images" in capsys.readouterr().out


def test_cli_dataset_and_errors(small_project, tmp_path, capsys):
    dataset = str(tmp_path / "ds")
    assert export_command([small_project.path, "--dataset", dataset, "--per", "image"]) == 0
    assert len(read_rows(tmp_path / "ds" / DATASET_CSV)) == 3
    assert "no known pixel spacing" in capsys.readouterr().err
    assert export_command([small_project.path, "--dataset", dataset]) == 1
    assert "not an empty folder" in capsys.readouterr().err
    missing = str(tmp_path / "missing.sphericity")
    assert export_command([missing, "--csv", str(tmp_path / "x.csv")]) == 1
    assert "no project" in capsys.readouterr().err


def test_cli_rejects_unknown_words(small_project, tmp_path):
    for bad in (["--status", "approved,final"], ["--split", "holdout"], ["--per", "series"]):
        with pytest.raises(SystemExit) as exc:
            export_command([small_project.path, "--csv", str(tmp_path / "x.csv"), *bad])
        assert exc.value.code == 2
    with pytest.raises(SystemExit):
        export_command([small_project.path])  # --csv or --dataset is required


STREAM_CHILD = """
import sys, tracemalloc
from core.export_dataset import export_dataset
from core.store import Project

with Project.open(sys.argv[1]) as project:
    # A first export loads modules and fills caches (imports, compiled SQL): not pixels.
    export_dataset(project, sys.argv[2] + "-warm-up", per="image")
    tracemalloc.start()
    summary = export_dataset(project, sys.argv[2], per="image")
    _, peak = tracemalloc.get_traced_memory()
print(summary.images, peak)
"""


@pytest.mark.slow  # a child process
def test_dataset_export_streams_pixels(tmp_path):
    """Peak memory stays far below the project's total pixel size (one frame at a time).

    Measured in a fresh process: tracemalloc counts every thread, and threads left by other
    tests in this one (Qt prefetch, workers) would be counted too.
    """
    n_images, shape = 60, (256, 256)
    frame_bytes = shape[0] * shape[1] * 2
    rng = np.random.default_rng(0)
    path = tmp_path / "big.sphericity"
    with Project.create(path) as project, project.transaction() as repo:
        series = repo.add_series("S", source="synthetic")
        for i in range(n_images):
            pixels = rng.integers(0, 4000, size=shape, dtype=np.uint16)
            repo.add_image(series, pixels, frame_index=i, spacing=Spacing(1.5, 1.5))
    root = Path(core.export.__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", STREAM_CHILD, str(path), str(tmp_path / "ds")],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(root)),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    images, peak = (int(v) for v in done.stdout.split())
    assert images == n_images
    print(f"peak traced memory {peak / 1e6:.1f} MB for {n_images * frame_bytes / 1e6:.1f} MB")
    assert peak < 10 * frame_bytes < n_images * frame_bytes / 5


def test_cli_words_match_the_store():
    # The CLI keeps its own copies so `--help` does not import SQLAlchemy; they must not drift.
    from core.store import SPLITS, STATUSES

    assert cmd_export.STATUS_WORDS == STATUSES
    assert (*SPLITS, "none") == cmd_export.SPLIT_WORDS
