"""import_paths: folders, cines over files, DICOMDIR, duplicates, failures, progress, cancel."""

import hashlib
import os
import shutil
import threading

import numpy as np
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from core.geometry import Spacing
from core.importer import import_paths
from core.store import ImageFilter, Project, Repository
from tests.core.imaging.imaging_samples import (
    enhanced_mr_file,
    frame,
    mr_file,
    nifti_file,
    png_file,
)


@pytest.fixture
def project(project_url):
    """A new project on each back end (SQLite, PostgreSQL)."""
    with Project.create(project_url) as p:
        yield p


def _frames_of(project, image_ids):
    return [project.image(i) for i in image_ids]


def test_folder_of_mixed_formats(project, tmp_path):
    src = tmp_path / "src"
    (src / "deep").mkdir(parents=True)
    shutil.copy(get_testdata_file("MR_small.dcm"), src / "mr.dcm")
    shutil.copy(get_testdata_file("emri_small_jpeg_ls_lossless.dcm"), src / "deep" / "emri")
    png_file(src / "deep" / "f.png", frame(1, dtype=np.uint8))
    nifti_file(
        src / "c.nii.gz", np.arange(90, dtype=np.int16).reshape(6, 5, 3), zooms=(1.1, 1.2, 1)
    )
    (src / "notes.txt").write_text("not an image")
    report = import_paths(project, [src])
    assert report.failures == []
    assert report.skipped == [str(src / "notes.txt")]
    assert len(report.imported) == 1 + 10 + 1 + 3 == project.count_images()
    emri = _frames_of(project, report.images_by_path[str(src / "deep" / "emri")])
    assert [f.frame_index for f in emri] == list(range(10))
    assert [f.is_ed for f in emri] == [True] + [False] * 9  # no timing: the first frame
    assert len({f.series_id for f in emri}) == 1
    nifti = _frames_of(project, report.images_by_path[str(src / "c.nii.gz")])
    assert nifti[0].shape == (5, 6)
    spacing = nifti[0].spacing
    assert (spacing.row_mm, spacing.col_mm) == pytest.approx((1.2, 1.1))


def test_cine_split_over_files_is_ordered_by_trigger_time(project, tmp_path):
    uid = generate_uid()
    triggers = [300.0, 0.0, 100.0, 200.0]
    paths = [
        mr_file(tmp_path / f"f{k}.dcm", frame(k), series_uid=uid, instance=k + 1, trigger_ms=t)
        for k, t in enumerate(triggers)
    ]
    report = import_paths(project, reversed(paths))
    assert report.failures == []
    images = project.list_images(order_by="series")
    assert len({im.series_id for im in images}) == 1
    assert [im.frame_time_ms for im in images] == [0.0, 100.0, 200.0, 300.0]
    assert [im.is_ed for im in images] == [True, False, False, False]
    by_time = {t: frame(k) for k, t in enumerate(triggers)}
    for im in images:
        np.testing.assert_array_equal(project.pixels(im.id), by_time[im.frame_time_ms])
    assert images[0].spacing == Spacing(1.5, 1.25)


def test_cine_without_times_follows_instance_numbers(project, tmp_path):
    uid = generate_uid()
    for k, instance in enumerate([3, 1, 2]):
        mr_file(tmp_path / f"x{k}.dcm", frame(10 + k), series_uid=uid, instance=instance)
    import_paths(project, [tmp_path])
    images = project.list_images(order_by="series")
    expected = [frame(11), frame(12), frame(10)]  # instances 1, 2, 3
    for im, pixels in zip(images, expected, strict=True):
        np.testing.assert_array_equal(project.pixels(im.id), pixels)
    assert images[0].is_ed and not any(im.is_ed for im in images[1:])


def test_a_series_of_several_slices_becomes_one_cine_per_slice(project, tmp_path):
    uid = generate_uid()
    for k in range(6):
        position = [0.0, 0.0, 10.0 * (k % 2)]
        mr_file(
            tmp_path / f"s{k}.dcm",
            frame(50 + k),
            series_uid=uid,
            instance=k + 1,
            trigger_ms=40.0 * (k // 2),
            ImagePositionPatient=position,
        )
    report = import_paths(project, [tmp_path])
    assert report.failures == [] and len(report.imported) == 6
    images = project.list_images(order_by="series")
    assert len({im.series_id for im in images}) == 2
    for series_id in {im.series_id for im in images}:
        cine = [im for im in images if im.series_id == series_id]
        assert [im.frame_time_ms for im in cine] == [0.0, 40.0, 80.0]
        assert [im.frame_index for im in cine] == [0, 1, 2]
        assert [im.is_ed for im in cine] == [True, False, False]


def test_enhanced_cine_ed_from_trigger_times(project, tmp_path):
    stack = np.stack([frame(60 + k) for k in range(4)])
    path = enhanced_mr_file(
        tmp_path / "e.dcm", stack, series_uid=generate_uid(), triggers_ms=[120.0, 5.0, 60.0, 200.0]
    )
    report = import_paths(project, [path])
    cine = [project.image(i) for i in report.images_by_path[str(path)]]
    assert [im.is_ed for im in cine] == [False, True, False, False]
    assert [im.frame_time_ms for im in cine] == [120.0, 5.0, 60.0, 200.0]
    assert cine[0].window == (500.0, 1200.0)


def test_dicomdir_records_are_followed_once(project):
    dicomdir = os.path.join(os.path.dirname(get_testdata_file("MR_small.dcm")), "dicomdirtests")
    report = import_paths(project, [os.path.join(dicomdir, "DICOMDIR")])
    assert report.failures == []
    n = project.count_images()
    assert n > 0 and len(report.imported) == n
    again = import_paths(project, [dicomdir])  # the folder: DICOMDIR and the files themselves
    assert again.imported == [] and project.count_images() == n


def test_same_pixels_twice_are_one_image(project, tmp_path):
    png_file(tmp_path / "a.png", frame(7, dtype=np.uint8))
    png_file(tmp_path / "b.png", frame(7, dtype=np.uint8), compress_level=0)  # other bytes
    first = import_paths(project, [tmp_path / "a.png"])
    second = import_paths(project, [tmp_path / "a.png", tmp_path / "b.png"])
    assert len(first.imported) == 1
    assert second.imported == [] and second.duplicates == first.imported * 2
    assert project.count_images() == 1
    assert project.info()["series"] == 1  # b.png's series would be empty: not kept


def test_failures_are_reported_and_the_import_goes_on(project, tmp_path):
    shutil.copy(get_testdata_file("MR_truncated.dcm"), tmp_path / "cut.dcm")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    png_file(tmp_path / "good.png", frame(2, dtype=np.uint8))
    report = import_paths(
        project,
        [
            tmp_path / "cut.dcm",
            tmp_path / "bad.png",
            tmp_path / "good.png",
            tmp_path / "missing.png",
            tmp_path / "notes.txt",
        ],
    )
    reasons = dict(report.failures)
    assert "truncated" in reasons[str(tmp_path / "cut.dcm")]
    assert "not" in reasons[str(tmp_path / "bad.png")]
    assert reasons[str(tmp_path / "missing.png")] == "no such file or folder"
    assert len(report.imported) == 1 == project.count_images()


def test_a_file_failing_midway_leaves_nothing(project, tmp_path, monkeypatch):
    stack_path = tmp_path / "multi.tif"
    from PIL import Image

    pages = [Image.fromarray(frame(k, dtype=np.uint8)) for k in range(3)]
    pages[0].save(stack_path, save_all=True, append_images=pages[1:])
    original = Repository.add_image
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Repository, "add_image", failing)
    report = import_paths(project, [stack_path])
    assert report.failures == [(str(stack_path), "could not be stored (RuntimeError)")]
    assert project.count_images() == 0 and project.info()["series"] == 0
    monkeypatch.setattr(Repository, "add_image", original)
    assert len(import_paths(project, [stack_path]).imported) == 3


def test_progress_and_cancel(project, tmp_path):
    for k in range(4):
        png_file(tmp_path / f"{k}.png", frame(20 + k, dtype=np.uint8))
    seen = []
    import_paths(project, [tmp_path], progress=lambda *a: seen.append(a))
    assert [s[:2] for s in seen] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert seen[0][2] == str(tmp_path / "0.png")

    other = Project.create(tmp_path / "q.sphericity")
    stop = threading.Event()
    report = import_paths(
        other, [tmp_path], progress=lambda done, *_: done == 2 and stop.set(), cancel=stop
    )
    assert report.cancelled and other.count_images() == 2
    report = import_paths(other, [tmp_path], cancel=lambda: True)
    assert report.cancelled and report.imported == []
    other.close()


def test_spacing_option_only_where_spacing_is_unknown(project, tmp_path):
    png_file(tmp_path / "a.png", frame(30, dtype=np.uint8))
    mr_file(tmp_path / "b.dcm", frame(31), series_uid=generate_uid())
    report = import_paths(project, [tmp_path], spacing_mm=1.4)
    spacings = {
        os.path.basename(p): project.image(ids[0]).spacing
        for p, ids in report.images_by_path.items()
    }
    assert spacings == {"a.png": Spacing(1.4, 1.4), "b.dcm": Spacing(1.5, 1.25)}


def test_sources_are_never_modified(project, tmp_path):
    src = tmp_path / "ro"
    src.mkdir()
    shutil.copy(get_testdata_file("MR_small.dcm"), src / "a.dcm")
    png_file(src / "b.png", frame(40, dtype=np.uint8))
    before = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in src.iterdir()
    }
    for p in src.iterdir():
        p.chmod(0o444)
    report = import_paths(project, [src])
    after = {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in src.iterdir()
    }
    assert report.failures == [] and len(report.imported) == 2
    assert after == before
    assert project.count_images(ImageFilter(ed_only=True)) == 2
