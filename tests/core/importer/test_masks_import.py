"""Label maps to readings: drawn masks with known landmarks, phantom masks, the CLI command."""

import math

import numpy as np
import pytest
from PIL import Image

from app.cli.main import main
from core.geometry import GeometryError, Spacing, measure
from core.masks import landmarks_from_mask
from core.phantom import generate_frame
from core.store import Project


def _dist(p, q) -> float:
    return math.hypot(p[0] - q[0], p[1] - q[1])


def _hinge_error(found, truth) -> float:
    """Largest hinge distance, whichever of A / B each was named."""
    straight = max(_dist(found.hinge_a, truth[0]), _dist(found.hinge_b, truth[1]))
    crossed = max(_dist(found.hinge_a, truth[1]), _dist(found.hinge_b, truth[0]))
    return min(straight, crossed)


def _truncated_ellipse(shape=(120, 100), centre=(50.0, 55.0), a=18.0, b=36.0, base=22.0):
    """Labels of a cavity: ellipse (semi-axes a across x, b along y) cut at y = cy + base.

    Below the cut is atrium (4); a 4-pixel myocardium ring (2) wraps the rest.
    """
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    cx, cy = centre
    r = ((cols - cx) / a) ** 2 + ((rows - cy) / b) ** 2
    outer = ((cols - cx) / (a + 4)) ** 2 + ((rows - cy) / (b + 4)) ** 2
    labels = np.zeros(shape, np.int32)
    below = rows > cy + base
    labels[(outer <= 1) & ~below] = 2
    labels[(r <= 1) & ~below] = 1
    labels[below & (np.abs(cols - cx) < a) & (rows < cy + base + 15)] = 4
    half = a * math.sqrt(1 - (base / b) ** 2)
    # The cut edge lies half a pixel past the last cavity row.
    edge_y = math.floor(cy + base) + 0.5
    truth = {
        "hinges": ((cx - half, edge_y), (cx + half, edge_y)),
        "apex": (cx, cy - b),
        "width_px": 2 * a,
    }
    return labels, truth


@pytest.mark.parametrize("la", [4, None])
def test_drawn_mask_gives_known_landmarks(la):
    labels, truth = _truncated_ellipse()
    spacing = Spacing(1.0, 1.0)
    found = landmarks_from_mask(labels, spacing, la=la)
    assert _hinge_error(found, truth["hinges"]) < 1.5
    assert _dist(found.apex, truth["apex"]) < 1.0
    assert abs(_dist(found.w1, found.w2) - truth["width_px"]) < 1.5
    assert abs(found.w1[1] - 55.0) < 3 and abs(found.w2[1] - 55.0) < 3  # widest: at the centre


def test_anisotropic_spacing_is_respected():
    labels, truth = _truncated_ellipse()
    found = landmarks_from_mask(labels, Spacing(row_mm=2.0, col_mm=1.0))
    m = measure(found, Spacing(row_mm=2.0, col_mm=1.0))
    length_mm = 2.0 * (truth["hinges"][0][1] - truth["apex"][1])
    assert m.length_mm == pytest.approx(length_mm, abs=2.0)
    assert m.width_mm == pytest.approx(truth["width_px"] * 1.0, abs=1.5)


def test_masks_without_cavity_or_borders_are_refused():
    with pytest.raises(GeometryError, match="no LV cavity"):
        landmarks_from_mask(np.zeros((10, 10), np.int32), Spacing(1, 1))
    only_cavity = np.zeros((20, 20), np.int32)
    only_cavity[5:15, 5:15] = 1
    with pytest.raises(GeometryError, match="neither an atrium nor a myocardium"):
        landmarks_from_mask(only_cavity, Spacing(1, 1))


def _phantom_labels(frame) -> np.ndarray:
    labels = np.zeros(frame.pixels.shape, np.int32)
    labels[frame.masks["myo"]] = 2
    labels[frame.masks["la"]] = 4
    labels[frame.masks["lv"]] = 1
    return labels


@pytest.mark.parametrize("seed", [0, 1, 4, 5])
@pytest.mark.parametrize("la", [4, None])
def test_phantom_masks_against_their_exact_landmarks(seed, la):
    frame = generate_frame(seed)
    found = landmarks_from_mask(_phantom_labels(frame), frame.spacing, la=la)
    truth = frame.landmarks
    assert _dist(found.apex, truth.apex) < 1.5
    assert _hinge_error(found, (truth.hinge_a, truth.hinge_b)) < (2.0 if la else 2.5)
    assert measure(found, frame.spacing).si == pytest.approx(frame.si, abs=0.03)


def test_cli_import_masks_saves_a_submitted_reading(tmp_path, capsys):
    frame = generate_frame(2)
    Image.fromarray(frame.pixels).save(tmp_path / "f.png")
    Image.fromarray(_phantom_labels(frame).astype(np.uint8)).save(tmp_path / "m.png")
    project_path = str(tmp_path / "p.sphericity")
    spacing = ["--spacing-mm", str(frame.spacing.row_mm)]
    args = ["import-masks", project_path, str(tmp_path / "f.png"), str(tmp_path / "m.png")]
    assert main([*args, *spacing, "--labels", "lv=1,myo=2,la=4"]) == 0
    assert main(args) == 0  # again: the same image, the reading updated, not duplicated
    with Project.open(project_path) as project:
        (reading,) = project.readings()
        assert reading.annotator_name == "mask import"
        assert reading.status == "submitted" and reading.version == 2
        assert reading.si == pytest.approx(frame.si, abs=0.03)
        assert reading.contour is not None and reading.si_contour is not None
    assert "SI" in capsys.readouterr().out


def test_cli_import_masks_refuses_other_grid(tmp_path):
    Image.fromarray(np.zeros((20, 30), np.uint8)).save(tmp_path / "f.png")
    Image.fromarray(np.ones((20, 31), np.uint8)).save(tmp_path / "m.png")
    args = ["import-masks", str(tmp_path / "p.sphericity"), str(tmp_path / "f.png")]
    assert main([*args, str(tmp_path / "m.png"), "--spacing-mm", "1"]) == 1
