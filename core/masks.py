"""Label maps to readings: landmarks (and the cavity contour) from an LV blood-pool mask.

The apex is the cavity border point farthest in mm from the hinge midpoint and W1-W2 is the
longest cavity chord perpendicular (in mm) to the long axis (DESIGN.md, core.phantom.truth).

The mitral hinge points are where the cavity border, the myocardium and the atrium meet: the two
ends of the valve stretch of the cavity border. Label maps draw the base in different ways (the
atrium touching the cavity along the whole valve, or only along a sliver because the myocardium
label wraps the base, or nowhere behind one or two myocardium pixels; no atrium label at all), so
the valve stretch is found from what lies beyond each border vertex: a ray leaves it along the
outward normal (in mm) and records how much myocardium it crosses and which label it meets next.

1. With an atrium label, the valve is the border facing the atrium: its rays reach the atrium
   crossing nothing but myocardium, and less of it than the wall is thick (ATRIUM_WALL_FRACTION
   of the median thickness along all rays; at least MIN_THIN_PX pixels). It ends where the
   myocardium thickens into the wall, whose rays run sideways out of the heart.
2. Without an atrium label (or when no ray reaches it): the border touching no myocardium,
   where the myocardium ring is open at the base, together with the border where the ring
   closes over the base thinner than the wall (VALVE_WALL_FRACTION of the median, plus
   QUANTUM_PX of a pixel: a ray counts whole pixels, so a wrap between one and two pixels thick
   reads as two where the border steps) and that faces the base (within 60 degrees, on the
   basal half). The base is the blunt end of the cavity's principal axis (wider near its
   tip). A thin ring with holes counts as one stretch. Anything else is refused with the reason.

Thickness is a running median over five border vertices, so one stray pixel makes no edge; gaps
up to GAP_MM are bridged and the longest stretch is the valve. Each hinge is then placed to
sub-pixel: a line is fitted to the valve stretch, the border is followed from near the
stretch's end while it stays within CORNER_TOL_PX of that line, and the hinge is where that line
meets a parabola fitted to the next WALL_FIT_MM of wall (a straight wall line would carry the
wall's curvature past the corner). Where the wall runs nearly along the valve line, or the fit
lands far from the border, the stretch's end vertex is the hinge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.geometry import GeometryError, Landmarks, Spacing, contour_measure

ATRIUM_WALL_FRACTION = 0.85  # myocardium between cavity and atrium: thinner than the wall
VALVE_WALL_FRACTION = 0.6  # no atrium, closed ring: the basal myocardium is this much thinner
QUANTUM_PX = 0.5  # no atrium, closed ring: thin may exceed the fraction by this (pixels)
MIN_THIN_PX = 1.6  # thin counts at least up to this (one pixel crossed at a slant)
RAY_MM = 30.0  # rays look this far past the cavity border
GAP_MM = 1.5  # gaps up to this long inside a valve stretch are bridged
BASE_FACING_COS = 0.5  # no atrium, closed ring: basal border faces within 60 degrees of the base
CORNER_TOL_PX = 1.25  # the valve border stays this close to the valve line (one pixel step)
CORNER_SLACK_PX = 3.0  # the corner is looked for this far either side of the stretch's end
WALL_FIT_MM = 30.0  # the wall is fitted over this much border beyond the corner
CORNER_MIN_SINE = 0.4  # wall and valve line closer than about 24 degrees: no corner to fit
OUTSIDE, EDGE, BACK_IN = -1, -2, -3  # what a ray meets: ran out in myocardium, image edge, cavity


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
    hinge_a, hinge_b = mitral_hinges(contour, labels, spacing, lv=lv, myo=myo, la=la)
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


def mitral_hinges(
    contour: np.ndarray,
    labels: np.ndarray,
    spacing: Spacing,
    *,
    lv: int = 1,
    myo: int = 2,
    la: int | None = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """The two hinge points (x, y) on a cavity contour: the ends of its valve stretch.

    The rule (atrium, open myocardium, wrapped myocardium) is the module docstring's.
    """
    if not (labels == myo).any() and (la is None or not (labels == la).any()):
        raise GeometryError("the mask has neither an atrium nor a myocardium label")
    normals = _outward_normals(contour, spacing)
    rays = _cast(contour, normals, labels, spacing, lv, myo)
    steps_mm = np.linalg.norm(
        (np.roll(contour, -1, axis=0) - contour) * [spacing.col_mm, spacing.row_mm], axis=1
    )
    myo_mm = _circular_median(rays.myo_mm)
    wall_mm = _wall_mm(rays)
    floor_mm = MIN_THIN_PX * max(spacing.row_mm, spacing.col_mm)
    valve = None
    if la is not None and (labels == la).any():
        thin = myo_mm <= max(ATRIUM_WALL_FRACTION * wall_mm, floor_mm)
        valve = _longest_run(thin & (rays.beyond == la), steps_mm)
    if valve is None and (labels == myo).any():
        open_base = (myo_mm == 0) & (rays.beyond >= 0) & (rays.beyond != lv)
        # a ray counts whole pixels: a wrap drawn between one and two pixels thick crosses
        # two where the border steps, which must not read as wall (half a pixel of slack)
        slack_mm = QUANTUM_PX * max(spacing.row_mm, spacing.col_mm)
        thin = myo_mm <= max(VALVE_WALL_FRACTION * wall_mm + slack_mm, floor_mm)
        basal = _facing_base(contour, normals, labels == lv, spacing)
        outside = (rays.beyond >= 0) | (rays.beyond == EDGE)
        valve = _longest_run(open_base | (thin & basal & outside), steps_mm)
    if valve is None:
        raise GeometryError(
            "cannot find the mitral valve in the mask: no atrium beyond the LV cavity, and the "
            "myocardium is nowhere open or thinner than the wall on the basal side"
        )
    start, end = valve
    return _corner(contour, valve, end, spacing), _corner(contour, valve, start, spacing)


@dataclass(frozen=True)
class _Rays:
    myo_mm: np.ndarray  # myocardium crossed before the ray met anything else
    beyond: np.ndarray  # the label met after it (or OUTSIDE, EDGE, BACK_IN)


def _outward_normals(contour: np.ndarray, spacing: Spacing) -> np.ndarray:
    """Unit outward normals in mm, from the chord over two vertices either side."""
    mm = contour * [spacing.col_mm, spacing.row_mm]
    tangent = np.roll(mm, -2, axis=0) - np.roll(mm, 2, axis=0)
    normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    x, y = mm[:, 0], mm[:, 1]
    area = 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    if area < 0:  # the ring runs the other way round: turn the normals outward
        normal = -normal
    length = np.linalg.norm(normal, axis=1, keepdims=True)
    return normal / np.where(length > 0, length, 1.0)


def _cast(contour, normals, labels, spacing: Spacing, lv: int, myo: int) -> _Rays:
    """Walk a ray out of every border vertex; see _Rays."""
    step_mm = 0.2 * min(spacing.row_mm, spacing.col_mm)
    distances = np.arange(step_mm, RAY_MM, step_mm)
    direction_px = normals / [spacing.col_mm, spacing.row_mm]
    points = contour[:, None, :] + distances[None, :, None] * direction_px[:, None, :]
    cols, rows = np.rint(points[..., 0]).astype(int), np.rint(points[..., 1]).astype(int)
    inside = (rows >= 0) & (rows < labels.shape[0]) & (cols >= 0) & (cols < labels.shape[1])
    seen = np.where(
        inside, labels[rows.clip(0, labels.shape[0] - 1), cols.clip(0, labels.shape[1] - 1)], EDGE
    )
    left = np.cumsum(seen != lv, axis=1) > 0  # the ray has left the cavity
    is_myo = seen == myo
    stop = left & ~is_myo
    has_stop = stop.any(axis=1)
    first = np.where(has_stop, np.argmax(stop, axis=1), distances.size - 1)
    hit = seen[np.arange(len(seen)), first]
    beyond = np.where(has_stop, np.where(hit == lv, BACK_IN, hit), OUTSIDE)
    before = np.arange(distances.size)[None, :] < first[:, None]
    myo_mm = (is_myo & before).sum(axis=1) * step_mm
    return _Rays(myo_mm=myo_mm, beyond=beyond)


def _wall_mm(rays: _Rays) -> float:
    """Median myocardium thickness along the rays that cross some (0 when none do)."""
    wall = rays.myo_mm[(rays.myo_mm > 0) & (rays.beyond != BACK_IN)]
    return float(np.median(wall)) if wall.size else 0.0


def _circular_median(values: np.ndarray, half: int = 2) -> np.ndarray:
    """Running median over 2 * half + 1 vertices round the ring: one stray pixel is no edge."""
    return np.median(np.stack([np.roll(values, k) for k in range(-half, half + 1)]), axis=0)


def _corner(contour: np.ndarray, run: tuple[int, int], which: int, spacing: Spacing) -> np.ndarray:
    """The hinge at one end (`which`) of a valve run: where the border leaves the valve line.

    The valve line is fitted to the middle of the run; from CORNER_SLACK_PX inside the run's
    end the border is followed outward while it stays within CORNER_TOL_PX of that line. The
    hinge is where that line meets the line of the wall just beyond (both fitted in mm), put
    back on the border; the run's end vertex where the two lines are near parallel.
    """
    n = len(contour)
    scale = np.array([spacing.col_mm, spacing.row_mm])
    mm = contour * scale
    start, end = run
    length = (end - start) % n + 1
    if length < 5:
        return contour[which].copy()
    run_idx = (start + np.arange(length)) % n
    centre, direction = _fit_line(mm[run_idx[length // 10 : length - length // 10]])
    step = 1 if which == end else -1
    pixel_mm = max(spacing.row_mm, spacing.col_mm)
    tol_mm = CORNER_TOL_PX * pixel_mm
    path = _walk(mm, which, -step, CORNER_SLACK_PX * pixel_mm)[::-1]
    path += _walk(mm, which, step, CORNER_SLACK_PX * pixel_mm)[1:]
    off = [abs(_cross(mm[i] - centre, direction)) for i in path]
    if off[0] > tol_mm:
        return contour[which].copy()
    k = next((j for j in range(len(off)) if off[j] > tol_mm), len(off)) - 1
    corner = path[k]
    wall = _walk(mm, corner, step, WALL_FIT_MM)[1:]
    if len(wall) < 3:
        return contour[which].copy()
    meet = _wall_meets_valve(mm[wall], centre, direction)
    if meet is None or np.linalg.norm(meet - mm[corner]) > 2.0 * pixel_mm:
        return contour[which].copy()
    return meet / scale


def _wall_meets_valve(wall: np.ndarray, centre: np.ndarray, direction: np.ndarray):
    """Where the wall (border points beyond a corner, in mm) reaches the valve line, or None.

    In the valve line's frame the wall is a curve t(s) across the line (s: distance from the
    line); a parabola fitted to it follows the wall's curvature, which a straight line fitted
    over the same stretch would carry past the true corner.
    """
    normal = np.array([-direction[1], direction[0]])
    t, s = (wall - centre) @ direction, (wall - centre) @ normal
    if np.ptp(s) < 1e-9:
        return None
    slope = np.polyfit(s, t, 1)[0]
    if abs(1.0 / np.hypot(1.0, slope)) < CORNER_MIN_SINE:  # the wall runs along the valve line
        return None
    coef = np.polyfit(s, t, 2 if len(s) >= 6 else 1)
    return centre + float(np.polyval(coef, 0.0)) * direction


def _walk(mm: np.ndarray, first: int, step: int, reach_mm: float) -> list[int]:
    """Vertex indices from `first` round the ring in direction `step`, up to reach_mm along it."""
    n = len(mm)
    path, travelled, i = [first], 0.0, first
    while len(path) < n:
        j = (i + step) % n
        travelled += float(np.linalg.norm(mm[j] - mm[i]))
        if travelled > reach_mm:
            break
        path.append(j)
        i = j
    return path


def _fit_line(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(centroid, unit direction) of the total-least-squares line through points."""
    centre = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centre, full_matrices=False)
    return centre, vt[0]


def _cross(a, b) -> float:
    return float(a[0] * b[1] - a[1] * b[0])


def _facing_base(contour, normals, cavity: np.ndarray, spacing: Spacing) -> np.ndarray:
    """Per border vertex: on the basal half of the cavity and facing the base.

    The base is the blunt end of the cavity's principal axis: the cavity is wider near that tip.
    """
    rows, cols = np.nonzero(cavity)
    mm = np.column_stack([cols * spacing.col_mm, rows * spacing.row_mm])
    centre = mm.mean(axis=0)
    _, _, vt = np.linalg.svd(mm - centre, full_matrices=False)
    axis = vt[0]
    along = (mm - centre) @ axis
    across = (mm - centre) @ vt[1]
    lo, hi = along.min(), along.max()
    reach = 0.15 * (hi - lo)
    width_lo = np.ptp(across[along <= lo + reach]) if (along <= lo + reach).any() else 0.0
    width_hi = np.ptp(across[along >= hi - reach]) if (along >= hi - reach).any() else 0.0
    base_dir = axis if width_hi >= width_lo else -axis
    vertex_along = (contour * [spacing.col_mm, spacing.row_mm] - centre) @ base_dir
    return (normals @ base_dir >= BASE_FACING_COS) & (vertex_along > 0)


def _longest_run(flags: np.ndarray, steps_mm: np.ndarray) -> tuple[int, int] | None:
    """(first, last) vertex of the longest circular run of flagged vertices, short gaps bridged.

    None when no run spans at least two vertices, or when every vertex is flagged.
    """
    flags = _bridge_gaps(flags, steps_mm)
    if flags.all() or not flags.any():
        return None
    n = len(flags)
    shift = int(np.argmin(flags))  # start the scan on an unflagged vertex
    rolled, rolled_steps = np.roll(flags, -shift), np.roll(steps_mm, -shift)
    best, best_mm, run_start = None, 0.0, None
    for i, flag in enumerate([*rolled, False]):
        if flag and run_start is None:
            run_start = i
        elif not flag and run_start is not None:
            length_mm = float(rolled_steps[run_start : i - 1].sum())
            if i - run_start >= 2 and length_mm > best_mm:
                best, best_mm = (run_start, i - 1), length_mm
            run_start = None
    if best is None:
        return None
    return (best[0] + shift) % n, (best[1] + shift) % n


def _bridge_gaps(flags: np.ndarray, steps_mm: np.ndarray) -> np.ndarray:
    """Flag unflagged gaps no longer than GAP_MM between two flagged vertices (circularly)."""
    if flags.all() or not flags.any():
        return flags
    n = len(flags)
    shift = int(np.argmax(flags))  # start on a flagged vertex
    rolled, rolled_steps = np.roll(flags, -shift).copy(), np.roll(steps_mm, -shift)
    i = 0
    while i < n:
        if rolled[i]:
            i += 1
            continue
        j = i
        while j < n and not rolled[j]:
            j += 1
        # j == n: the gap runs round to vertex 0, which is flagged
        if float(rolled_steps[i - 1 : j].sum()) <= GAP_MM + 1e-9:
            rolled[i:j] = True
        i = j
    return np.roll(rolled, shift)


def _pt(p) -> tuple[float, float]:
    return (float(p[0]), float(p[1]))
