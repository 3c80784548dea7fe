"""`import-masks` on a cine: one reading per labelled frame, refused frames listed, exit codes."""

import math

import numpy as np
import pytest
from mask_layouts import LV, draw_heart

from app.cli.cmd_import import EXIT_REFUSED
from app.cli.main import build_parser, main
from core.geometry import Spacing
from core.store import Project
from tests.core.imaging.imaging_samples import mr_file, nifti_file

SPACING = Spacing(1.6, 1.6)


def _cine(tmp_path, hearts, labelled: list[bool]):
    """A NIfTI cine of the hearts and its NIfTI label map; unlabelled frames lose their LV."""
    labels = [
        h.labels if keep else np.where(h.labels == LV, 0, h.labels)
        for h, keep in zip(hearts, labelled, strict=True)
    ]
    # every frame differs (the store keeps identical frames once)
    pixels = [(100 + 900 * (h.labels == LV) + 7 * i).astype(np.int16) for i, h in enumerate(hearts)]
    zooms = (SPACING.col_mm, SPACING.row_mm, 1.0, 30.0)
    image = nifti_file(tmp_path / "cine.nii.gz", _volume(pixels), zooms=zooms)
    mask = nifti_file(tmp_path / "mask.nii.gz", _volume(labels), zooms=zooms)
    return str(image), str(mask)


def _volume(frames) -> np.ndarray:
    """(i, j, 1, t) array whose frames, as core.imaging reads them, are the given (rows, cols)."""
    return np.stack([f.T for f in frames], axis=-1)[:, :, None, :]


def _frames(project) -> list:
    return project.list_images(limit=None, order_by="frame_index")


def _annulus_mm(landmarks) -> float:
    return math.dist(SPACING.to_mm(landmarks.hinge_a), SPACING.to_mm(landmarks.hinge_b))


def test_a_cine_gives_one_reading_per_labelled_frame(tmp_path, capsys):
    hearts = [draw_heart("valve", spacing=SPACING, across_mm=18.0 + 2.0 * i) for i in range(5)]
    image, mask = _cine(tmp_path, hearts, [True, False, True, False, True])
    project_path = str(tmp_path / "p.sphericity")
    assert main(["import-masks", project_path, image, mask]) == 0
    out = capsys.readouterr().out
    assert "saved 3 readings" in out
    assert "2 frames without the LV label: imported unread" in out
    with Project.open(project_path) as project:
        frames = _frames(project)
        assert [f.frame_index for f in frames] == [0, 1, 2, 3, 4]  # every frame imported
        read = {r.image_id: r for r in project.readings()}
        assert sorted(f.frame_index for f in frames if f.id in read) == [0, 2, 4]
        for info in frames:
            if info.id in read:  # each frame read from its own mask frame
                truth = hearts[info.frame_index]
                assert _annulus_mm(read[info.id].landmarks) == pytest.approx(
                    truth.annulus_mm, abs=SPACING.row_mm
                )


def test_implausible_frames_are_listed_and_imported_unread(tmp_path, capsys):
    good = draw_heart("valve", spacing=SPACING)
    # a small ventricle: its long axis (about 37 mm) is under 40 mm
    small = draw_heart("valve", spacing=SPACING, across_mm=12.0, along_mm=23.0, wall_mm=6.0)
    image, mask = _cine(tmp_path, [good, small], [True, True])
    project_path = str(tmp_path / "p.sphericity")
    assert main(["import-masks", project_path, image, mask]) == EXIT_REFUSED
    out = capsys.readouterr().out
    assert "frame 1 (image 2): refused, imported unread: long axis" in out
    assert "under 40 mm" in out and "1 frames refused" in out
    with Project.open(project_path) as project:
        assert len(_frames(project)) == 2
        (reading,) = project.readings()
        assert project.image(reading.image_id).frame_index == 0


def test_a_mask_without_any_lv_label_is_an_error(tmp_path, capsys):
    hearts = [draw_heart("valve", spacing=SPACING, across_mm=21.0 + i) for i in range(2)]
    image, mask = _cine(tmp_path, hearts, [False, False])
    assert main(["import-masks", str(tmp_path / "p.sphericity"), image, mask]) == 1
    assert "no frame of the mask has the LV label 1" in capsys.readouterr().out


def test_help_documents_the_exit_status():
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices["import-masks"]
    text = sub.format_help()
    assert f"{EXIT_REFUSED} some frames refused" in text and "imported unread" in text


def test_a_folder_of_dicom_frames_reads_as_one_cine(tmp_path, capsys):
    hearts = [draw_heart("valve", spacing=SPACING, across_mm=18.0 + 4.0 * i) for i in range(3)]
    folder = tmp_path / "cine"
    folder.mkdir()
    for i, heart in enumerate(hearts):  # files named against their frame order
        pixels = (100 + 900 * (heart.labels == LV) + 7 * i).astype(np.uint16)
        mr_file(
            folder / f"{9 - i}.dcm",
            pixels,
            series_uid="1.2.3",
            instance=i + 1,
            trigger_ms=30.0 * i,
            spacing=(SPACING.row_mm, SPACING.col_mm),
        )
    mask = nifti_file(
        tmp_path / "mask.nii.gz",
        _volume([h.labels for h in hearts]),
        zooms=(SPACING.col_mm, SPACING.row_mm, 1.0, 30.0),
    )
    project_path = str(tmp_path / "p.sphericity")
    assert main(["import-masks", project_path, str(folder), str(mask)]) == 0
    with Project.open(project_path) as project:
        for reading in project.readings():
            truth = hearts[project.image(reading.image_id).frame_index]
            assert _annulus_mm(reading.landmarks) == pytest.approx(
                truth.annulus_mm, abs=SPACING.row_mm
            )
        assert len(project.readings()) == 3
