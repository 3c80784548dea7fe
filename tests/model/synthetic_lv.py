"""Tiny synthetic frames for the model tests: a bright ellipse (the LV) with known landmarks."""

from __future__ import annotations

import math

import numpy as np

from core.geometry import Landmarks, Spacing
from model.data import Sample

SPACING = Spacing(2.0, 2.0)


def ellipse_frame(seed: int, shape=(64, 80), spacing=SPACING):
    """(pixels uint16, landmarks, si): an ellipse of known SI, angle and position."""
    rng = np.random.default_rng(seed)
    rows, cols = shape
    a_mm = rng.uniform(30, 40)  # half the long axis
    si = rng.uniform(0.45, 0.8)
    b_mm = si * a_mm
    angle = rng.uniform(0, 2 * math.pi)
    cx_mm = cols * spacing.col_mm / 2 + rng.uniform(-8, 8)
    cy_mm = rows * spacing.row_mm / 2 + rng.uniform(-8, 8)
    u = np.array([math.cos(angle), math.sin(angle)])
    n = np.array([-u[1], u[0]])
    yy, xx = np.mgrid[0:rows, 0:cols]
    dx, dy = xx * spacing.col_mm - cx_mm, yy * spacing.row_mm - cy_mm
    along, across = dx * u[0] + dy * u[1], dx * n[0] + dy * n[1]
    r = np.sqrt((along / a_mm) ** 2 + (across / b_mm) ** 2)
    img = np.where(r < 1.0, 1000.0, np.where(r < 1.25, 300.0, 500.0))
    img = img + rng.normal(0, 30, size=shape)
    c = np.array([cx_mm, cy_mm])
    to_px = np.array([1 / spacing.col_mm, 1 / spacing.row_mm])

    def px(p_mm):
        return tuple(float(v) for v in p_mm * to_px)

    lm = Landmarks(
        apex=px(c + a_mm * u),
        hinge_a=px(c - a_mm * u + 0.4 * b_mm * n),
        hinge_b=px(c - a_mm * u - 0.4 * b_mm * n),
        w1=px(c + b_mm * n),
        w2=px(c - b_mm * n),
    )
    return np.clip(img, 0, 4095).astype(np.uint16), lm, si


def ellipse_samples(n: int, seed: int = 0, split: str = "train", **kwargs) -> list[Sample]:
    """n Samples of ellipse frames (image ids from 1)."""
    out = []
    for k in range(n):
        spacing = kwargs.get("spacing", SPACING)
        pixels, lm, si = ellipse_frame(seed + k, **kwargs)
        out.append(Sample(k + 1, k + 1, pixels, spacing, lm, si, split))
    return out


def ellipse_project(path, n_series: int = 6, frames_per_series: int = 2, shape=(64, 80)):
    """A project file of ellipse frames, each with an approved reading; returns its path."""
    from core.store import Project

    with Project.create(path) as project:
        add_ellipses(project, range(n_series), frames_per_series, shape=shape)
    return path


def add_ellipses(
    project, series_numbers, frames_per_series=2, *, source="synthetic", shape=(64, 80), read=True
):
    """Add ellipse series (seeds from their numbers) to an open project, read or unread."""
    with project.transaction() as repo:
        reader = repo.ensure_annotator("phantom", role="reviewer")
        for s in series_numbers:
            series = repo.add_series(f"series-{s}", source=source)
            for f in range(frames_per_series):
                pixels, lm, _si = ellipse_frame(100 * s + f, shape=shape)
                image_id, _ = repo.add_image(
                    series, pixels, frame_index=f, spacing=SPACING, source=source
                )
                if read:
                    repo.save_reading(image_id, reader, lm, status="approved")
