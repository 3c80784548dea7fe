"""Hostile bytes: mutated and truncated DICOM, PNG and NIfTI files import or fail cleanly, fast."""

import io
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pydicom.data import get_testdata_file

from core.importer import import_paths
from core.store import Project
from tests.core.imaging.imaging_samples import enhanced_mr_file, frame, nifti_file

# Clear reasons the readers give; anything else (a crash caught as "unexpected") fails the test.
EXPECTED = (
    "not ",
    "truncated",
    "over the size limit",
    "undecodable",
    "unreadable",
    "no decoder",
    "empty image",
    "a NIfTI volume",
    "unsupported NIfTI",
    "cannot open",
)


def _seed_files(folder: Path) -> dict[str, bytes]:
    shutil.copy(get_testdata_file("MR_small.dcm"), folder / "mr.dcm")
    shutil.copy(get_testdata_file("MR_small_RLE.dcm"), folder / "rle.dcm")
    enhanced_mr_file(
        folder / "emr.dcm",
        np.stack([frame(1, (8, 8)), frame(2, (8, 8))]),
        series_uid="1.2.3.4",
        triggers_ms=[0, 30],
    )
    buffer = io.BytesIO()
    Image.fromarray(frame(3, (12, 10), np.uint8)).save(buffer, format="PNG")
    (folder / "f.png").write_bytes(buffer.getvalue())
    buffer = io.BytesIO()
    Image.fromarray(frame(4, (12, 10), np.uint16)).save(buffer, format="PNG")
    (folder / "f16.png").write_bytes(buffer.getvalue())
    nifti_file(
        folder / "c.nii", np.arange(6 * 5 * 3, dtype=np.int16).reshape(6, 5, 3), zooms=(1.2, 1.1, 1)
    )
    nifti_file(
        folder / "c.nii.gz",
        np.arange(6 * 5 * 2, dtype=np.uint8).reshape(6, 5, 2),
        zooms=(1.2, 1.1, 1),
    )
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@st.composite
def mutations(draw, data: bytes) -> bytes:
    """The seed bytes truncated, with bytes overwritten, inserted or a number field blown up."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "overwrite", "insert", "big"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "truncate":
            out = out[:at]
        elif kind == "flip" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            out[at : at + len(chunk)] = chunk
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "big":  # the places where sizes live: make one huge
            out[at : at + 4] = b"\xff\xff\xff\x7f"
    return bytes(out)


class Workspace:
    """Seed bytes and one project shared by all examples (a short repr for failure reports)."""

    def __init__(self, root: Path, project) -> None:
        (root / "seeds").mkdir()
        self.root, self.project = root, project
        self.seeds = _seed_files(root / "seeds")

    def __repr__(self) -> str:
        return "Workspace()"


@pytest.fixture(scope="module")
def workspace():
    with (
        tempfile.TemporaryDirectory() as tmp,
        Project.create(Path(tmp) / "fuzz.sphericity") as project,
    ):
        yield Workspace(Path(tmp), project)


def _check_one(workspace: Workspace, name: str, data: bytes) -> None:
    root, project = workspace.root, workspace.project
    path = root / name
    path.write_bytes(data)
    before = project.info()
    report = import_paths(project, [path])
    after = project.info()
    new_images = after["images"] - before["images"]
    if report.failures:
        ((failed, reason),) = report.failures
        assert failed == str(path)
        assert reason.startswith(EXPECTED), reason
        assert (new_images, after["series"]) == (0, before["series"])  # nothing half-written
    else:
        ids = report.images_by_path[str(path)]
        assert new_images == len(report.imported) and len(ids) >= 1
        for image_id in report.imported:
            info = project.image(image_id)
            assert project.pixels(image_id).shape == info.shape


SETTINGS = settings(
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.slow
@pytest.mark.timeout(300)  # a decoder stuck in C code never returns to the deadline check
@pytest.mark.parametrize("name", ["mr.dcm", "rle.dcm", "emr.dcm"])
@SETTINGS
@given(data=st.data())
def test_mutated_dicom(workspace, name, data):
    _check_one(workspace, name, data.draw(mutations(workspace.seeds[name])))


@pytest.mark.slow
@pytest.mark.timeout(300)  # a decoder stuck in C code never returns to the deadline check
@pytest.mark.parametrize("name", ["f.png", "f16.png"])
@SETTINGS
@given(data=st.data())
def test_mutated_png(workspace, name, data):
    _check_one(workspace, name, data.draw(mutations(workspace.seeds[name])))


@pytest.mark.slow
@pytest.mark.timeout(300)  # a decoder stuck in C code never returns to the deadline check
@pytest.mark.parametrize("name", ["c.nii", "c.nii.gz"])
@SETTINGS
@given(data=st.data())
def test_mutated_nifti(workspace, name, data):
    _check_one(workspace, name, data.draw(mutations(workspace.seeds[name])))
