"""A small project with every kind of reading the interop formats carry, and a fresh twin."""

import os
import shutil
from dataclasses import dataclass, field

import numpy as np
import pytest

from core.geometry import Spacing

ANISOTROPIC = Spacing(1.5, 1.25)  # row_mm, col_mm: different on purpose


@dataclass
class InteropProject:
    path: str
    images: dict[str, int] = field(default_factory=dict)  # frame name -> image id
    frames: dict[str, tuple] = field(default_factory=dict)  # name -> (pixels, spacing)
    readings: dict[str, object] = field(default_factory=dict)


def _frames():
    from core.phantom import generate_frame

    a, b = generate_frame(1, shape=(96, 112)), generate_frame(2, shape=(80, 88))
    c = generate_frame(3, shape=(72, 64))
    return {
        "a": (a.pixels, ANISOTROPIC, a),
        "b": (b.pixels, b.spacing, b),
        "c": ((c.pixels >> 8).astype(np.uint8), None, c),  # 8-bit, spacing unknown
    }


def _build(path: str) -> InteropProject:
    from core.store import Project

    built = InteropProject(path=path)
    frames = _frames()
    with Project.create(path) as project, project.transaction() as repo:
        ann = repo.ensure_annotator("ann")
        zoe = repo.ensure_annotator("Zoë Ödegård", role="reviewer")
        cine = repo.add_series("S-cine", subject_key="subject-1", source="synthetic", view="4CH")
        other = repo.add_series("S-png", source="real")
        for index, (name, (pixels, spacing, _truth)) in enumerate(frames.items()):
            series = other if name == "c" else cine
            built.images[name], _ = repo.add_image(
                series, pixels, frame_index=index, spacing=spacing, is_ed=name == "a"
            )
            built.frames[name] = (pixels, spacing)
        lm = {name: value[2].landmarks for name, value in frames.items()}
        img = built.images
        wider = lm["a"].replace(w1=(lm["a"].w1[0] - 1.25, lm["a"].w1[1] + 0.3))
        built.readings["a_ann"] = repo.save_reading(
            img["a"], ann, lm["a"], status="approved", contour=frames["a"][2].lv_contour
        )
        built.readings["a_zoe"] = repo.save_reading(img["a"], zoe, wider, status="submitted")
        built.readings["b_ann"] = repo.save_reading(img["b"], ann, lm["b"], status="draft")
        built.readings["c_ann"] = repo.save_reading(img["c"], ann, lm["c"], status="rejected")
    return built


@pytest.fixture(scope="session")
def interop_source(tmp_path_factory) -> InteropProject:
    """The project, built once (phantoms take seconds); tests that write use interop_project."""
    return _build(str(tmp_path_factory.mktemp("interop") / "source.sphericity"))


@pytest.fixture
def interop_project(interop_source, tmp_path) -> InteropProject:
    """Three images (uint16 anisotropic, uint16, uint8 without spacing) in two series, one
    subject known; four readings (one with a contour) in all four statuses. A private copy."""
    path = str(tmp_path / "interop.sphericity")
    shutil.copyfile(interop_source.path, path)
    return InteropProject(
        path, dict(interop_source.images), dict(interop_source.frames), interop_source.readings
    )


def fresh_project(path: os.PathLike | str, built: InteropProject):
    """A new project (its own secret) holding the same pixels in another order and series."""
    from core.store import Project

    project = Project.create(path)
    with project.transaction() as repo:
        series = repo.add_series("other-key", source="real")
        for index, name in enumerate(reversed(list(built.frames))):
            pixels, spacing = built.frames[name]
            repo.add_image(series, pixels.copy(), frame_index=10 + index, spacing=spacing)
    return project
