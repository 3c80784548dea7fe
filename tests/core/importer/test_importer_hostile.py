"""Import under hostile input: pipes and devices in folders, names that attack the terminal,
partial failure's exit status, and cines whose frames are identical."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from pydicom.uid import generate_uid

from app.cli.main import main
from core.importer import import_paths
from core.store import Project
from tests.core.imaging.imaging_samples import enhanced_mr_file, frame, mr_file, png_file


@pytest.fixture
def project(tmp_path):
    with Project.create(tmp_path / "p.sphericity") as p:
        yield p


@pytest.mark.timeout(30)
def test_pipes_and_devices_in_a_folder_are_skipped_with_a_reason(project, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    png_file(folder / "good.png", frame(1, dtype=np.uint8))
    os.mkfifo(folder / "pipe.png")
    os.mkfifo(folder / "pipe")  # no suffix: the DICOM sniffing must not open it blocking
    (folder / "zero.dcm").symlink_to("/dev/zero")
    (folder / "zero.png").symlink_to("/dev/zero")
    report = import_paths(project, [folder])
    assert len(report.imported) == 1 and report.failures == []
    reasons = {os.path.basename(p): why for p, why in report.not_regular}
    assert set(reasons) == {"pipe.png", "pipe", "zero.dcm", "zero.png"}
    assert "named pipe" in reasons["pipe.png"] and "character device" in reasons["zero.dcm"]


@pytest.mark.timeout(30)
def test_a_pipe_named_on_the_command_line_fails_with_its_reason(project, tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.dcm")
    report = import_paths(project, [tmp_path / "pipe.dcm"])
    assert report.failures == [(str(tmp_path / "pipe.dcm"), report.failures[0][1])]
    assert "not a regular file (a named pipe)" in report.failures[0][1]


HOSTILE = "\x1b[2J\x07evil\r\nimported 300 new images from 300 files\u202egnp.png"


def test_hostile_file_names_are_escaped_on_the_terminal_and_in_the_log(tmp_path, capsys, caplog):
    bad = tmp_path / HOSTILE
    bad.write_bytes(b"not an image at all")
    png_file(tmp_path / "good.png", frame(3, dtype=np.uint8))
    project = str(tmp_path / "p.sphericity")
    with caplog.at_level(logging.WARNING, logger="core.importer"):
        code = main(["import", project, "--quiet", str(tmp_path / "good.png"), str(bad)])
    assert code == 3
    out, err = capsys.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in (out, err, logged):
        assert not {"\x1b", "\x07", "\r", "\u202e"} & set(text)
    lines = out.splitlines()
    assert not any(line.startswith("imported 300") for line in lines)  # no faked summary line
    assert "\\x1b[2J\\x07evil\\x0d\\x0aimported 300" in out
    assert "\\u202egnp.png" in out and "\\u202egnp.png" in logged


def test_partial_and_total_failure_have_their_own_exit_status(tmp_path, capsys):
    project = str(tmp_path / "p.sphericity")
    png_file(tmp_path / "a.png", frame(4, dtype=np.uint8))
    (tmp_path / "bad.png").write_bytes(b"nope")
    assert (
        main(["import", project, "--quiet", str(tmp_path / "a.png"), str(tmp_path / "bad.png")])
        == 3
    )
    assert "1 of 2 files failed" in capsys.readouterr().out
    assert main(["import", project, "--quiet", str(tmp_path / "bad.png")]) == 1
    assert main(["import", project, "--quiet", str(tmp_path / "a.png")]) == 0


def test_the_exit_statuses_are_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    text = capsys.readouterr().out
    assert "exit status" in text and "3  partial" in text


def test_a_cine_of_identical_frames_keeps_every_frame(project, tmp_path):
    still = frame(9, shape=(16, 20))
    stack = np.stack([still] * 4)
    path = enhanced_mr_file(
        tmp_path / "still.dcm", stack, series_uid=generate_uid(), triggers_ms=[40, 0, 80, 120]
    )
    report = import_paths(project, [path])
    assert len(report.imported) == 4
    infos = [project.image(i) for i in report.images_by_path[str(path)]]
    assert [i.frame_index for i in infos] == [0, 1, 2, 3]
    assert [i.is_ed for i in infos] == [False, True, False, False]  # ED by trigger time
    again = import_paths(project, [path])  # the same file again: nothing new
    assert again.imported == [] and again.duplicates == report.images_by_path[str(path)]
    assert project.count_images() == 4


def test_identical_frames_over_files_of_one_series_stay_apart(project, tmp_path):
    uid, still = generate_uid(), frame(11, shape=(12, 12))
    paths = [
        mr_file(tmp_path / f"f{n}.dcm", still, series_uid=uid, instance=n + 1, trigger_ms=30.0 * n)
        for n in range(3)
    ]
    report = import_paths(project, [tmp_path])
    assert len(report.imported) == 3
    indices = [project.image(report.images_by_path[str(p)][0]).frame_index for p in paths]
    assert indices == [0, 1, 2]
    assert import_paths(project, [tmp_path]).imported == []
