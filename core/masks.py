"""Label maps to readings: landmarks (and the cavity contour) from an LV blood-pool mask.

Definitions follow DESIGN.md and core.phantom.truth: the hinge points are the ends of the
stretch of cavity border that meets the left atrium (without an atrium label: the stretch that
touches no myocardium), the apex is the cavity border point farthest in mm from the hinge
midpoint, and W1-W2 is the longest cavity chord perpendicular (in mm) to the long axis.
"""

from __future__ import annotations

import numpy as np

from core.geometry import GeometryError, Landmarks, Spacing, contour_measure

NEAR_PX = 1.5  # a border vertex this close to a labelled pixel centre touches that label


def landmarks_from_mask(
    labels: np.ndarray, spacing: Spacing, lv: int = 1, myo: int = 2, la: int | None = 4
) -> Landmarks:
    """Landmarks of the LV cavity in a label map (pixel coordinates); GeometryError if none."""
    return reading_from_mask(labels, spacing, lv=lv, myo=myo, la=la)[0]


def reading_from_mask(
    labels: np.ndarray, spacing: Spacing, lv: int = 1, myo: int = 2, la: int | None = 4
) -> tuple[Landmarks, list[tuple[float, float]]]:
    """(landmarks, cavity contour as (x, y) points) of the LV cavity in a label map."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise GeometryError(f"a label map must be one 2-D frame, got shape {labels.shape}")
    contour = cavity_contour(labels == lv)
    start, end = _mitral_run(contour, labels, myo, la)
    hinge_a, hinge_b = contour[end], contour[start]
    mid = 0.5 * (hinge_a + hinge_b)
    scale = np.array([spacing.col_mm, spacing.row_mm])
    apex = contour[int(np.argmax(np.linalg.norm((contour - mid) * scale, axis=1)))]
    axis_only = Landmarks(_pt(apex), _pt(hinge_a), _pt(hinge_b), _pt(apex), _pt(mid))
    w1, w2 = contour_measure(contour, axis_only, spacing).chord
    landmarks = Landmarks(_pt(apex), _pt(hinge_a), _pt(hinge_b), _pt(w1), _pt(w2))
    return landmarks, [_pt(p) for p in contour]


def cavity_contour(cavity: np.ndarray) -> np.ndarray:
    """Border of the largest cavity component, holes filled, as (x, y) vertices (N, 2), open ring.

    Vertices lie on the border between cavity and non-cavity pixels (the 0.5 level).
    """
    from scipy import ndimage
    from skimage import measure

    if not cavity.any():
        raise GeometryError("the mask has no LV cavity label")
    components, count = ndimage.label(cavity)
    if count > 1:
        sizes = np.bincount(components.ravel())[1:]
        cavity = components == 1 + int(np.argmax(sizes))
    cavity = ndimage.binary_fill_holes(cavity)
    if cavity.sum() < 3:
        raise GeometryError("the LV cavity in the mask is too small to measure")
    padded = np.pad(cavity, 1).astype(np.float32)
    rings = measure.find_contours(padded, 0.5)
    ring = max(rings, key=len)[:-1] - 1.0  # closed: drop the repeated point; undo the padding
    return np.ascontiguousarray(ring[:, ::-1])  # (row, col) -> (x, y)


def _mitral_run(contour: np.ndarray, labels: np.ndarray, myo: int, la: int | None):
    """(first, last) vertex index of the longest circular run of mitral border vertices."""
    if la is not None and (labels == la).any():
        mitral = _near(contour, labels == la)
    elif (labels == myo).any():
        mitral = ~_near(contour, labels == myo)
    else:
        raise GeometryError("the mask has neither an atrium nor a myocardium label")
    if mitral.all() or not mitral.any():
        raise GeometryError("cannot find where the LV cavity meets the atrium in the mask")
    n = len(mitral)
    shift = int(np.argmin(mitral))  # start the scan on a non-mitral vertex
    rolled = np.roll(mitral, -shift)
    best, best_len, run_start = (0, 0), 0, None
    for i, flag in enumerate([*rolled, False]):
        if flag and run_start is None:
            run_start = i
        elif not flag and run_start is not None:
            if i - run_start > best_len:
                best, best_len = (run_start, i - 1), i - run_start
            run_start = None
    if best_len < 2:
        raise GeometryError("the mitral border in the mask is too short to place hinge points")
    return (best[0] + shift) % n, (best[1] + shift) % n


def _near(contour: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Per contour vertex: within NEAR_PX of a pixel centre of `region`."""
    from scipy.spatial import cKDTree

    rows, cols = np.nonzero(region)
    tree = cKDTree(np.column_stack([cols, rows]).astype(float))
    distance, _ = tree.query(contour, k=1, distance_upper_bound=NEAR_PX + 1e-9)
    return np.isfinite(distance)


def _pt(p) -> tuple[float, float]:
    return (float(p[0]), float(p[1]))
