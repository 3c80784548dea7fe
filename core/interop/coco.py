"""COCO keypoints out (plain JSON: CVAT, Label Studio, pycocotools, Detectron2) and back in.

One category, "left_ventricle", with the five landmarks as keypoints in LANDMARK_NAMES order
(apex, hinge_a, hinge_b, w1, w2), all visible (v = 2). The skeleton joins apex-A, apex-B, A-B and
W1-W2 (the long axis ends at the mitral midpoint, which is not a keypoint). Every annotation has
a bounding box around its points (and contour), the contour when drawn as its segmentation
polygon, and a "sphericity" object: reader, status, SI, contour and volumetric SI, lengths in mm.
Images carry their size, pixel spacing and image UID (core.interop.keys); the file name is the
image UID plus ".png", which is what ``--images`` writes and what an import matches on when a
tool drops the extra fields.

Coordinates are the project's: x = column, y = row, pixel centres at integers (as Detectron2
reads COCO keypoints). Tools that put (0, 0) at the corner of the top-left pixel add 0.5.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.geometry import LANDMARK_NAMES
from core.interop.keys import image_uid

CATEGORY_ID = 1
CATEGORY = {
    "id": CATEGORY_ID,
    "name": "left_ventricle",
    "supercategory": "heart",
    "keypoints": list(LANDMARK_NAMES),
    # 1-based keypoint indices, as COCO numbers them.
    "skeleton": [[1, 2], [1, 3], [2, 3], [4, 5]],
}
VISIBLE = 2
COORDINATES = "x = column, y = row in pixels, pixel centres at integers"
IMAGE_SUFFIX = ".png"


@dataclass(frozen=True)
class CocoExportSummary:
    """What a COCO export wrote."""

    path: Path
    images: int
    annotations: int
    images_dir: Path | None


def file_name(content_hash: str) -> str:
    """The COCO file name of an image: its UID plus .png."""
    return image_uid(content_hash) + IMAGE_SUFFIX


def coco_document(repo, statuses: tuple[str, ...] | None = None) -> tuple[dict, list]:
    """(The COCO dictionary of the readings in these statuses (None: all), its ImageInfos)."""
    by_image: dict[int, list] = defaultdict(list)
    for reading in repo.readings(statuses):
        by_image[reading.image_id].append(reading)
    images: list[dict] = []
    annotations: list[dict] = []
    infos: list = []
    for coco_id, image_id in enumerate(sorted(by_image), start=1):
        image = repo.image(image_id)
        infos.append(image)
        images.append(_image_entry(coco_id, image))
        for reading in by_image[image_id]:
            annotations.append(_annotation(len(annotations) + 1, coco_id, image, reading))
    document = {
        "info": {
            "description": "Sphericity Studio readings",
            "version": "1",
            "date_created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "coordinates": COORDINATES,
        },
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": [CATEGORY],
    }
    return document, infos


def _image_entry(coco_id: int, image) -> dict:
    spacing = image.spacing
    return {
        "id": coco_id,
        "file_name": file_name(image.content_hash),
        "height": image.shape[0],
        "width": image.shape[1],
        "image_uid": image_uid(image.content_hash),
        "pixel_spacing_mm": None if spacing is None else [spacing.row_mm, spacing.col_mm],
    }


def _annotation(annotation_id: int, coco_id: int, image, reading) -> dict:
    points = [list(p) for p in reading.landmarks.points()]
    keypoints = [v for x, y in points for v in (x, y, VISIBLE)]
    outline = points + [list(p) for p in reading.contour or []]
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    segmentation = []
    area = bbox[2] * bbox[3]
    if reading.contour:
        segmentation = [[v for p in reading.contour for v in p]]
        area = _polygon_area(reading.contour)
    return {
        "id": annotation_id,
        "image_id": coco_id,
        "category_id": CATEGORY_ID,
        "keypoints": keypoints,
        "num_keypoints": len(points),
        "bbox": bbox,
        "area": area,
        "iscrowd": 0,
        "segmentation": segmentation,
        "sphericity": {
            "reader": reading.annotator_name,
            "status": reading.status,
            "si": reading.si,
            "length_mm": reading.length_mm,
            "width_mm": reading.width_mm,
            "si_contour": reading.si_contour,
            "si_volumetric": reading.si_volumetric,
        },
    }


def _polygon_area(points) -> float:
    """Shoelace area in square pixels (what COCO's "area" holds)."""
    n = len(points)
    twice = sum(
        points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1]
        for i in range(n)
    )
    return abs(twice) / 2.0


def export_coco(
    project,
    path: os.PathLike | str,
    *,
    statuses: Iterable[str] | None = None,
    images_dir: os.PathLike | str | None = None,
) -> CocoExportSummary:
    """Write the COCO keypoints file (and, with ``images_dir``, one PNG per image named as in
    the file). The JSON appears complete or not at all; ``images_dir`` must be new or empty."""
    from core.export_dataset import write_png

    target = Path(path)
    folder = None if images_dir is None else Path(images_dir)
    if folder is not None:
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise FileExistsError(f"{folder} already exists and is not an empty folder")
        folder.mkdir(parents=True, exist_ok=True)
    with project.transaction(write=False) as repo:
        document, images = coco_document(repo, None if statuses is None else tuple(statuses))
        if folder is not None:
            for image in images:
                write_png(repo.pixels(image.id), folder / file_name(image.content_hash))
    _write_json(document, target)
    return CocoExportSummary(target, len(document["images"]), len(document["annotations"]), folder)


def _write_json(document: dict, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(document, fh, ensure_ascii=False, indent=1, allow_nan=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- reading back -------------------------------------------------------------------------------


class CocoFormatError(ValueError):
    """A file that is not COCO keypoints JSON."""


def read_coco(path: os.PathLike | str) -> list[dict]:
    """One dict per annotation: where (for messages), image_uid, file_name, reader, landmarks
    (name -> (x, y)) or problem, contour (or None)."""
    try:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
        images = {entry["id"]: entry for entry in document["images"]}
        annotations = document["annotations"]
        names = _keypoint_names(document.get("categories") or [])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CocoFormatError(f"not a COCO keypoints file ({type(exc).__name__})") from None
    return [
        _entry(a, images, names)
        if isinstance(a, dict)
        else {"where": f"annotation #{n}", "problem": "not a JSON object"}
        for n, a in enumerate(annotations, start=1)
    ]


def _keypoint_names(categories: list) -> dict[int, list[str]]:
    return {c["id"]: list(c.get("keypoints") or LANDMARK_NAMES) for c in categories}


def _entry(annotation, images: dict, names: dict) -> dict:
    where = f"annotation {annotation.get('id', '?')}"
    image = images.get(annotation.get("image_id"), {})
    extra = annotation.get("sphericity") or {}
    entry = {
        "where": where,
        "image_uid": image.get("image_uid"),
        "file_name": image.get("file_name"),
        "reader": extra.get("reader"),
        "landmarks": None,
        "contour": None,
        "problem": None,
    }
    try:
        entry["landmarks"] = _landmarks(annotation, names.get(annotation.get("category_id")))
        entry["contour"] = _contour(annotation.get("segmentation"))
    except (ValueError, TypeError) as exc:
        entry["problem"] = str(exc)
    return entry


def _landmarks(annotation, order: list[str] | None) -> dict[str, tuple[float, float]]:
    order = order or list(LANDMARK_NAMES)
    values = annotation.get("keypoints") or []
    if len(values) != 3 * len(order):
        raise ValueError(f"{len(values)} keypoint numbers for {len(order)} keypoints")
    found = {}
    for index, name in enumerate(order):
        x, y, visibility = values[3 * index : 3 * index + 3]
        if name in LANDMARK_NAMES:
            if not visibility:
                raise ValueError(f"keypoint {name} is not labelled (visibility 0)")
            found[name] = (float(x), float(y))
    missing = [n for n in LANDMARK_NAMES if n not in found]
    if missing:
        raise ValueError(f"no keypoint named {', '.join(missing)}")
    return found


def _contour(segmentation) -> list[tuple[float, float]] | None:
    if not segmentation:
        return None
    if not isinstance(segmentation, list) or len(segmentation) != 1:
        raise ValueError("the segmentation is not one polygon (RLE or several parts)")
    flat = [float(v) for v in segmentation[0]]
    if len(flat) % 2 or len(flat) < 6:
        raise ValueError("the segmentation polygon has fewer than three points")
    return list(zip(flat[0::2], flat[1::2], strict=True))
