"""`sphericity import`: progress bar, failure list, exit codes, project created when missing."""

import shutil

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from app.cli.cmd_import import parse_labels
from app.cli.main import main
from core.store import Project
from tests.core.imaging.imaging_samples import frame, png_file


def test_import_prints_progress_and_failures(tmp_path, capsys):
    png_file(tmp_path / "a.png", frame(1, dtype=np.uint8))
    shutil.copy(get_testdata_file("MR_truncated.dcm"), tmp_path / "cut.dcm")
    project = str(tmp_path / "p.sphericity")
    # One file imported, one failed: the partial-failure exit status.
    assert main(["import", project, str(tmp_path / "a.png"), str(tmp_path / "cut.dcm")]) == 3
    out, err = capsys.readouterr()
    assert "creating project" in err
    assert "[" in err and "2/2" in err  # the bar reached the end
    assert "imported 1 new images from 1 files" in out
    assert f"{tmp_path / 'cut.dcm'}: truncated" in out
    with Project.open(project) as p:
        assert p.count_images() == 1


def test_exit_code_is_one_only_when_everything_failed(tmp_path, capsys):
    project = str(tmp_path / "p.sphericity")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    assert main(["import", project, "--quiet", str(tmp_path / "bad.png")]) == 1
    png_file(tmp_path / "a.png", frame(2, dtype=np.uint8))
    assert main(["import", project, "--quiet", str(tmp_path / "a.png")]) == 0
    # Already imported, nothing failed: success, with the duplicate counted.
    assert main(["import", project, "--quiet", str(tmp_path / "a.png")]) == 0
    assert "(1 already in the project)" in capsys.readouterr().out


def test_spacing_option(tmp_path):
    png_file(tmp_path / "a.png", frame(3, dtype=np.uint8))
    project = str(tmp_path / "p.sphericity")
    assert main(["import", project, "--quiet", "--spacing-mm", "1.6", str(tmp_path)]) == 0
    with Project.open(project) as p:
        (image,) = p.list_images()
        assert (image.spacing.row_mm, image.spacing.col_mm) == (1.6, 1.6)


def test_parse_labels():
    assert parse_labels("lv=3,myo=5,la=none") == {"lv": 3, "myo": 5, "la": None}
    assert parse_labels("la=7") == {"lv": 1, "myo": 2, "la": 7}


@pytest.mark.parametrize("bad", ["rv=3", "lv=", "lv=x", "myo=none"])
def test_parse_labels_refuses(bad):
    with pytest.raises(ValueError):
        parse_labels(bad)
