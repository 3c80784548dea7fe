"""Made project_0001.sqlite (+ its .json manifest) here, with schema revision 0001.

Kept as a record of how the frozen project was built. Do NOT rerun it after the schema changes:
the point of the file is that it stays exactly as revision 0001 wrote it.
"""

import json
import math
import sqlite3
from pathlib import Path

import numpy as np

from core.geometry import Landmarks, Spacing
from core.store import Project

HERE = Path(__file__).parent
DB = HERE / "project_0001.sqlite"


def _frames() -> list[tuple[np.ndarray, Spacing | None]]:
    rng = np.random.default_rng(2026)
    return [
        (rng.integers(0, 4096, (16, 16)).astype(np.uint16), Spacing(1.5, 1.25)),
        (rng.integers(-1000, 1000, (16, 16)).astype(np.int16), None),
        (rng.normal(0, 1, (16, 16)).astype(np.float32), Spacing(1.8, 1.8)),
    ]


def _image_record(info) -> dict:
    spacing = None if info.spacing is None else [info.spacing.row_mm, info.spacing.col_mm]
    return vars(info) | {"spacing": spacing}


def main() -> None:
    DB.unlink(missing_ok=True)
    lm = Landmarks((8.0, 2.0), (5.0, 13.0), (11.0, 13.0), (4.0, 8.0), (12.0, 8.0))
    wide = lm.replace(w1=(3.25, 8.5), w2=(12.75, 7.5))
    contour = [(8 + 5 * math.cos(t), 8 + 6 * math.sin(t)) for t in np.linspace(0, 6.2, 24)]
    with Project.create(DB) as project:
        alice = project.ensure_annotator("alice")
        bob = project.ensure_annotator("bob", role="reviewer")
        series = project.add_series("frozen-series", view="4CH", source="synthetic")
        images = [
            project.add_image(
                series,
                px,
                frame_index=i,
                spacing=sp,
                view="4CH",
                source="synthetic",
                window=(100.0, 400.0) if i == 0 else None,
            )[0]
            for i, (px, sp) in enumerate(_frames())
        ]
        project.set_ed(images[0])
        project.set_split({images[0]: "train", images[1]: "val", images[2]: "test"})
        first = project.save_reading(images[0], alice, lm, contour=contour, status="submitted")
        project.set_reading_status(first.id, "approved", by_annotator_id=bob, expected_version=1)
        project.save_reading(images[0], bob, wide, status="submitted", note="wider")
        draft = project.save_reading(images[1], alice, lm, suggested={"run_id": 1})
        project.save_reading(images[1], alice, wide, expected_version=draft.version)
        run = project.add_run({"epochs": 2}, device="cpu", data_snapshot={"images": images})
        project.update_run(run, status="done", metrics={"mse": 0.0015}, duration_s=12.5)
        project.save_predictions(
            run,
            [
                {
                    "image_id": images[0],
                    "si_regression": 0.61,
                    "landmarks": lm.to_dict(),
                    "confidence": {"apex": 0.9},
                }
            ],
        )
        project.set_setting("ui", {"last_image": images[0]})
        manifest = {
            "images": [_image_record(project.image(i)) for i in images],
            "readings": [
                {
                    "image_id": r.image_id,
                    "annotator": r.annotator_name,
                    "si": r.si,
                    "si_volumetric": r.si_volumetric,
                    "status": r.status,
                    "version": r.version,
                    "landmarks": r.landmarks.to_dict(),
                    "note": r.note,
                }
                for r in project.readings()
            ],
            "audit_rows": len(project.audit()),
            "predictions": {str(k): v for k, v in project.predictions(run).items()},
            "info": project.info() | {"url": None},
        }
    connection = sqlite3.connect(DB)
    connection.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    connection.execute("PRAGMA page_size=1024")  # small pages: a small file in git
    connection.execute("VACUUM")
    connection.close()
    (HERE / "project_0001.json").write_text(json.dumps(manifest, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
