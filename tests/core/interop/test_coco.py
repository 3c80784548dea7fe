"""COCO keypoints export: pycocotools loads it; boxes, skeleton, extras and PNGs are right."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from core.export import CSV_ENCODING, export_csv
from core.geometry import LANDMARK_NAMES
from core.interop.coco import export_coco
from core.store import Project


@pytest.fixture(scope="module")
def coco_file(interop_source, tmp_path_factory):
    folder = tmp_path_factory.mktemp("coco")
    with Project.open(interop_source.path) as project:
        summary = export_coco(project, folder / "readings.json", images_dir=folder / "images")
        export_csv(project, folder / "readings.csv")
    assert (summary.images, summary.annotations) == (3, 4)
    return folder


# pycocotools' mask decoder under numpy 2 (its code, not ours).
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_pycocotools_loads_the_keypoints(coco_file):
    from pycocotools.coco import COCO

    coco = COCO(str(coco_file / "readings.json"))
    (category,) = coco.loadCats(coco.getCatIds())
    assert category["keypoints"] == list(LANDMARK_NAMES)
    assert category["skeleton"] == [[1, 2], [1, 3], [2, 3], [4, 5]]
    annotations = coco.loadAnns(coco.getAnnIds())
    assert len(annotations) == 4 and len(coco.getImgIds()) == 3
    for annotation in annotations:
        assert annotation["num_keypoints"] == 5
        keypoints = np.array(annotation["keypoints"]).reshape(5, 3)
        assert (keypoints[:, 2] == 2).all()
        x, y, w, h = annotation["bbox"]
        assert w > 0 and h > 0
        assert (keypoints[:, 0] >= x).all() and (keypoints[:, 0] <= x + w).all()
        assert (keypoints[:, 1] >= y).all() and (keypoints[:, 1] <= y + h).all()
        image = coco.loadImgs(annotation["image_id"])[0]
        assert image["file_name"] == image["image_uid"] + ".png"
        if annotation["segmentation"]:  # the contour, as pycocotools turns it into a mask
            mask = coco.annToMask(annotation)
            assert mask.shape == (image["height"], image["width"]) and mask.sum() > 0


def test_extras_equal_the_csv(coco_file):
    document = json.loads((coco_file / "readings.json").read_text(encoding="utf-8"))
    images = {image["id"]: image for image in document["images"]}
    with open(coco_file / "readings.csv", encoding=CSV_ENCODING, newline="") as fh:
        rows = {(r["image_uid"], r["annotator"]): r for r in csv.DictReader(fh)}
    for annotation in document["annotations"]:
        image = images[annotation["image_id"]]
        extra = annotation["sphericity"]
        row = rows.pop((image["image_uid"], extra["reader"]))
        assert extra["status"] == row["status"]
        for name in ("si", "length_mm", "width_mm", "si_contour", "si_volumetric"):
            assert (extra[name] is None) == (row[name] == "")
            assert extra[name] is None or extra[name] == float(row[name])
        points = np.array(annotation["keypoints"]).reshape(5, 3)[:, :2]
        for (x, y), name in zip(points, LANDMARK_NAMES, strict=True):
            assert (x, y) == (float(row[f"{name}_x_px"]), float(row[f"{name}_y_px"]))
        spacing = image["pixel_spacing_mm"]
        if row["spacing_known"] == "true":
            assert spacing == [float(row["spacing_row_mm"]), float(row["spacing_col_mm"])]
        else:
            assert spacing is None
        assert (image["height"], image["width"]) == (int(row["rows"]), int(row["cols"]))
    assert not rows


def test_images_written_under_their_coco_names(coco_file, interop_source):
    document = json.loads((coco_file / "readings.json").read_text(encoding="utf-8"))
    names = sorted(image["file_name"] for image in document["images"])
    assert sorted(p.name for p in (coco_file / "images").iterdir()) == names
    stored = {pixels.tobytes(): pixels for pixels, _ in interop_source.frames.values()}
    for name in names:
        pixels = np.array(Image.open(coco_file / "images" / name))
        assert any(np.array_equal(pixels, s) for s in stored.values())


def test_status_filter_and_refusing_a_busy_images_folder(interop_project, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.png").write_bytes(b"")
    with Project.open(interop_project.path) as project:
        summary = export_coco(project, tmp_path / "a.json", statuses=["approved", "submitted"])
        assert (summary.images, summary.annotations) == (1, 2)
        with pytest.raises(FileExistsError):
            export_coco(project, tmp_path / "b.json", images_dir=busy)
    assert not (tmp_path / "b.json").exists()
