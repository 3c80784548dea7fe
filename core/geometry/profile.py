"""Default width from the image: the widest bright blood run across the long axis."""

from __future__ import annotations

import numpy as np

from core.geometry.frame import AxisFrame
from core.geometry.types import GeometryError, Point, Spacing

LEVELS = np.linspace(0.15, 0.85, 29)  # fractions of the axis from the hinge midpoint
REFINE_STEPS = 9  # sub-levels tried between the neighbours of the best coarse level
BLOOD_RADIUS_FRACTION = 0.05  # of the axis length: where the blood level is read
MIN_BLOOD_RADIUS_MM = 2.0
DARK_WINDOW_MM = 4.0  # myocardium is 5-10 mm thick: its level is read just past the wall
MIN_CONTRAST = 0.15  # (blood - myocardium) / blood below this: no edge to trust


def widest_width_from_image(
    pixels: np.ndarray, apex: Point, hinge_a: Point, hinge_b: Point, spacing: Spacing
) -> tuple[Point, Point] | None:
    """(W1, W2) across the widest blood-filled part of the cavity, or None.

    Intensity profiles perpendicular (in mm) to the long axis are sampled bilinearly at levels
    0.15..0.85 of the axis. On each, the cavity is the run of bright samples around the axis
    point: the blood level is the median near the axis, the myocardium level the darkest sample
    just past the first drop, and the edge is where the profile falls half way between them.
    The level with the longest run wins (median of three neighbouring levels, so one leak through
    a gap in the wall cannot), refined between its neighbours. None when no level has a closed
    run inside the image with enough contrast. W1 is on the +n side, as in default_width.
    """
    image = np.asarray(pixels, dtype=float)
    if image.ndim != 2:
        raise GeometryError(f"expected a 2-D image, got an array of shape {image.shape}")
    frame = AxisFrame.from_axis(apex, hinge_a, hinge_b, spacing)
    step_mm = min(spacing.row_mm, spacing.col_mm) / 2.0
    half = int(np.ceil(frame.length_mm / step_mm))
    offsets = step_mm * np.arange(-half, half + 1)
    coarse = [_run_at(image, frame, level, offsets) for level in LEVELS]
    lengths = np.array([np.nan if r is None else r[1] - r[0] for r in coarse])
    best = _best_level_index(lengths)
    if best is None:
        return None
    level, run = _refine(image, frame, offsets, best, coarse[best], lengths)
    return frame.to_px(level, run[1]), frame.to_px(level, run[0])


def _best_level_index(lengths: np.ndarray) -> int | None:
    """Index of the longest run after a median over three neighbouring levels, or None.

    A level without a run counts as zero, so a lone run between failures is not trusted.
    """
    filled = np.nan_to_num(lengths, nan=0.0)
    padded = np.concatenate([filled[:1], filled, filled[-1:]])
    smooth = np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)
    smooth[np.isnan(lengths)] = -np.inf
    best = int(np.argmax(smooth))
    return best if smooth[best] > 0.0 else None


def _refine(image, frame, offsets, best: int, run, lengths) -> tuple[float, tuple[float, float]]:
    """The longest run between the best coarse level's neighbours, guarded against leaks."""
    lo = LEVELS[max(best - 1, 0)]
    hi = LEVELS[min(best + 1, len(LEVELS) - 1)]
    cap = 1.1 * lengths[best]
    best_level, best_run = float(LEVELS[best]), run
    for level in np.linspace(lo, hi, 2 * REFINE_STEPS + 1):
        candidate = _run_at(image, frame, float(level), offsets)
        if candidate is None:
            continue
        length = candidate[1] - candidate[0]
        if best_run[1] - best_run[0] < length <= cap:
            best_level, best_run = float(level), candidate
    return best_level, best_run


def _run_at(image, frame: AxisFrame, level: float, offsets: np.ndarray):
    """(low, high) signed mm offsets of the blood run through the axis at `level`, or None."""
    values = _profile(image, frame, level, offsets)
    centre = len(offsets) // 2
    radius = max(MIN_BLOOD_RADIUS_MM, BLOOD_RADIUS_FRACTION * frame.length_mm)
    near = values[np.abs(offsets) <= radius]
    if np.isnan(near).any():
        return None
    blood = float(np.median(near))
    window = max(1, round(float(DARK_WINDOW_MM / (offsets[1] - offsets[0]))))
    high = _edge(values[centre:], offsets[centre:], blood, window)
    low = _edge(values[centre::-1], offsets[centre::-1], blood, window)
    if high is None or low is None:
        return None
    return low, high


def _edge(values: np.ndarray, offsets: np.ndarray, blood: float, window: int) -> float | None:
    """Offset where the profile, walking out from the axis, falls half way to the myocardium."""
    seen = values[: np.argmax(np.isnan(values))] if np.isnan(values).any() else values
    if len(seen) < 2:
        return None
    first = _first_below(seen, (blood + float(seen.min())) / 2.0)
    if first is None:
        return None
    dark = float(seen[first : first + window].min())
    if not blood > 0.0 or (blood - dark) < MIN_CONTRAST * blood:
        return None
    threshold = (blood + dark) / 2.0
    i = _first_below(seen, threshold)
    if i is None or i == 0:
        return None
    # Linear interpolation between the last bright and the first dark sample.
    v0, v1 = seen[i - 1], seen[i]
    return float(offsets[i - 1] + (v0 - threshold) / (v0 - v1) * (offsets[i] - offsets[i - 1]))


def _first_below(values: np.ndarray, threshold: float) -> int | None:
    below = np.flatnonzero(values < threshold)
    return int(below[0]) if len(below) else None


def _profile(image: np.ndarray, frame: AxisFrame, level: float, offsets: np.ndarray) -> np.ndarray:
    """Bilinear samples along the perpendicular at `level`; NaN off the image."""
    along = level * frame.length_mm
    dx_mm = along * frame.u[0] + offsets * frame.n[0]
    dy_mm = along * frame.u[1] + offsets * frame.n[1]
    xs = frame.origin[0] + dx_mm / frame.spacing.col_mm
    ys = frame.origin[1] + dy_mm / frame.spacing.row_mm
    return bilinear(image, xs, ys)


def bilinear(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear interpolation at pixel coordinates (x = column, y = row); NaN off the image.

    The half-pixel border around the outer pixel centres takes the edge value.
    """
    rows, cols = image.shape
    inside = (xs >= -0.5) & (xs <= cols - 0.5) & (ys >= -0.5) & (ys <= rows - 0.5)
    x = np.clip(xs, 0.0, cols - 1.0)
    y = np.clip(ys, 0.0, rows - 1.0)
    x0 = np.minimum(np.floor(x).astype(int), max(cols - 2, 0))
    y0 = np.minimum(np.floor(y).astype(int), max(rows - 2, 0))
    x1, y1 = np.minimum(x0 + 1, cols - 1), np.minimum(y0 + 1, rows - 1)
    fx, fy = x - x0, y - y0
    top = image[y0, x0] * (1 - fx) + image[y0, x1] * fx
    bottom = image[y1, x0] * (1 - fx) + image[y1, x1] * fx
    out = top * (1 - fy) + bottom * fy
    return np.where(inside, out, np.nan)
