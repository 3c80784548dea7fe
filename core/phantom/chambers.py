"""Everything of the heart around the LV cavity, in the LV's local (u, v) frame in mm.

LV wall, RV (4CH), both atria, valve leaflets, papillary muscles, trabeculae, flow voids,
coronary vessels and the pericardial fat around it all. Noise that shapes the anatomy comes from
a generator seeded per heart, so every phase of a cine shows the same anatomy.
"""

from __future__ import annotations

import numpy as np
import shapely

from core.phantom import labels as lab
from core.phantom.shapes import blob, grow, strand, wobble

Sides = tuple[np.ndarray, np.ndarray]

# Samples along each side of the LV cavity; t = 1 - (1 - s)^2 puts them densest at the apex,
# where the tip (the apex landmark) must be resolved finely.
N_SIDE = 120
T_GRID = 1.0 - (1.0 - np.linspace(0.0, 1.0, N_SIDE)) ** 2


def build_chambers(
    p: dict, view: str, sides: Sides, smooth: Sides, thick: float, mitral_open: float
) -> tuple[list, list, list, np.ndarray, np.ndarray]:
    """Paint lists (label, local polygon) under, inside and over the LV cavity, the LA, the
    outline.

    The cavity itself is not in the lists: the renderer fills it exactly from its polygon.
    """
    rng = np.random.default_rng(p["rng_seed"])  # same anatomy at every phase
    lat, sep = sides
    epi_lat, epi_sep = epicardium(smooth, p, thick)
    epi = np.concatenate([epi_sep, epi_lat[::-1]])
    a, b = sep[0], lat[0]
    la = atrium(rng, a, b, p["la_len"] * (1.0 + 0.08 * (1.0 - mitral_open)), p["la_half"], +1)
    la_wall = grow(la, p["atrial_wall"])
    walls, bloods, ventricle = [(lab.ATRIAL_WALL, la_wall)], [], []
    outlines = [epi, la_wall]
    if view == "4CH":
        ra, rv_paint, rv_outline = _right_heart(rng, p, epi_sep, la, mitral_open)
        walls.append((lab.ATRIAL_WALL, grow(ra, p["atrial_wall"])))
        bloods.append((lab.RA_BLOOD, ra))
        ventricle += rv_paint
        outlines += [rv_outline, walls[-1][1]]
    paint = [(lab.PERI_FAT, _fat_envelope(rng, outlines, p["fat_margin"]))]
    paint += _coronaries(rng, a, b, epi_lat, epi_sep)
    if p["aortic_root"]:
        root = blob(rng, tuple(a + np.array([-10.0, -9.0])), (13.0, 10.0), irregular=0.05)
        paint += [(lab.ATRIAL_WALL, grow(root, 2.0)), (lab.AORTA, root)]
    paint += walls + bloods + _veins(rng, la, p["veins"]) + [(lab.LA_BLOOD, la)] + ventricle
    paint.append((lab.LV_MYO, epi))
    inside, over = _cavity_details(rng, p, sides, mitral_open)
    return paint, inside, over, la, paint[0][1]


def epicardium(smooth: Sides, p: dict, thick: float) -> Sides:
    """Outer LV wall sides: the smooth cavity border pushed out along its normal by the wall.

    Along the normal (not straight across the axis) so the wall also caps the apex.
    """
    t = T_GRID
    s = np.clip((t - 0.7) / 0.3, 0.0, 1.0) ** 2
    out = []
    for side, border, sign in (("lat", smooth[0], 1.0), ("sep", smooth[1], -1.0)):
        wall = (p[f"wall_{side}"] * (1.0 - s) + p["wall_apex"] * s) * thick
        wall = wall + p[f"wall_wob_{side}"]
        tangent = np.gradient(border, axis=0)
        normal = sign * np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
        normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
        out.append(border + normal * wall[:, None])
    return out[0], out[1]


def atrium(
    rng: np.random.Generator, a: np.ndarray, b: np.ndarray, length: float, half: float, side: int
) -> np.ndarray:
    """An atrium hanging off the valve annulus a-b, away from the ventricle (toward -u).

    It starts at a and ends at b, so its closing edge is exactly the annulus; it bulges more on
    the `side` (+1: toward b, -1: toward a), as the LA does toward the free wall.
    """
    mid, ab = 0.5 * (a + b), b - a
    h = 0.5 * float(np.linalg.norm(ab))
    e_ab = ab / (2.0 * h)
    back = np.array([-1.0, 0.0])
    phi = np.linspace(0.0, np.pi, 48)[1:-1]
    c, s = np.cos(phi), np.sin(phi)
    power = 2.0 / rng.uniform(2.2, 3.4)  # a superellipse: a round bulb, not a cone
    bulge = np.where(c * side < 0, half, 1.0 + 0.4 * (half - 1.0))
    hw = h * (1.0 + (bulge - 1.0) * s**0.35)  # widens right behind the annulus
    depth = length * s**power * (1.0 + wobble(rng, phi / np.pi, 0.06, (2, 5)))
    pts = mid + np.outer(-np.sign(c) * np.abs(c) ** power * hw, e_ab) + np.outer(depth, back)
    return np.vstack([a, pts, b])


def _right_heart(
    rng: np.random.Generator, p: dict, epi_sep: np.ndarray, la: np.ndarray, mitral_open: float
) -> tuple[np.ndarray, list[tuple[int, np.ndarray]], np.ndarray]:
    """RA polygon, RV paint list (wall, cavity, moderator band, tricuspid leaflets), RV outline."""
    order = np.argsort(epi_sep[:, 0])
    u_s, v_s = epi_sep[order, 0], epi_sep[order, 1]
    u_tv, u_apex = p["tv_offset"], p["rv_len"] * u_s.max()
    tau = np.linspace(0.0, 1.0, 60)
    u = u_tv + tau * (u_apex - u_tv)
    septum = np.interp(u, u_s, v_s)
    depth = p["rv_width"] * (1.0 - tau**1.7) ** 0.6 * (1.0 + wobble(rng, tau, 0.05, (3, 12)))
    inner = np.stack([u, septum + 6.0], axis=1)  # under the LV wall, which is painted later
    outer = np.stack([u, septum - depth], axis=1)
    wall_outer = np.stack([u + p["rv_wall"] * tau**4, septum - depth - p["rv_wall"]], axis=1)
    wall = np.vstack([inner, wall_outer[::-1]])
    tv_lat, tv_sep = outer[0], np.array([u_tv, septum[0]])
    ra_half = max(1.0, p["ra_half"] / (0.5 * depth[0]))
    ra = atrium(rng, tv_lat, tv_sep, p["ra_len"], ra_half, -1)
    ra[:, 1] = np.minimum(ra[:, 1], la[:, 1].min() - p["atrial_gap"])  # keep an atrial septum
    paint = [(lab.RV_MYO, wall), (lab.RV_BLOOD, np.vstack([inner, outer[::-1]]))]
    if p["moderator"]:
        k = int(0.65 * len(u))
        paint.append((lab.RV_MYO, strand(inner[k] - [0, 6.0], outer[k] + [3.0, 0.0], 3.0, 2.0)))
    paint.append((lab.VALVE, _leaflet(tv_lat, tv_sep, mitral_open, 0.5)))
    paint.append((lab.VALVE, _leaflet(tv_sep, tv_lat, mitral_open, 0.4)))
    return ra, paint, wall


def _leaflet(hinge: np.ndarray, other: np.ndarray, opening: float, frac: float) -> np.ndarray:
    """One valve leaflet from its hinge: across the annulus when shut, toward the apex when open."""
    across = other - hinge
    closed_tip = hinge + frac * across + np.array([-3.0, 0.0])
    open_tip = hinge + np.array([0.8 * frac * np.linalg.norm(across), 0.15 * across[1]])
    tip = (1.0 - opening) * closed_tip + opening * open_tip
    return strand(hinge, tip, 1.6, 1.0)


def _veins(rng: np.random.Generator, la: np.ndarray, n: int) -> list[tuple[int, np.ndarray]]:
    """Pulmonary veins entering the back of the LA."""
    out = []
    back = la[np.argsort(la[:, 0])[:6]]
    for _ in range(n):
        start = back[rng.integers(0, len(back))]
        end = start + np.array([-rng.uniform(10.0, 25.0), rng.uniform(-15.0, 15.0)])
        out.append(
            (
                lab.VESSEL,
                strand(start + np.array([4.0, 0.0]), end, rng.uniform(8.0, 13.0), 2.0, 0.0),
            )
        )
    return out


def _coronaries(rng, a, b, epi_lat, epi_sep) -> list[tuple[int, np.ndarray]]:
    """Coronary vessels in the atrioventricular grooves: small bright dots in the fat."""
    out = []
    for hinge, wall in ((b, epi_lat[3]), (a, epi_sep[3])):
        if rng.random() < 0.75:
            centre = wall + (wall - hinge) * rng.uniform(0.3, 0.8) + rng.normal(0, 1.5, 2)
            out.append((lab.VESSEL, blob(rng, tuple(centre), (2.0, 1.6), irregular=0.1, n=16)))
    return out


def _fat_envelope(rng: np.random.Generator, outlines: list[np.ndarray], margin: float):
    """Pericardial fat: the convex envelope of the chambers, grown by an irregular margin."""
    hull = shapely.convex_hull(shapely.multipoints(np.concatenate(outlines)))
    ring = shapely.segmentize(hull.exterior, max_segment_length=hull.length / 96.0)
    pts = np.asarray(ring.coords)[:-1]
    t = np.linspace(0.0, 1.0, len(pts), endpoint=False)
    # patchy: thick pads in places (grooves, apex), bare myocardium against the lung elsewhere
    return grow(pts, np.clip(margin * (0.6 + wobble(rng, t, 1.0, (2, 8))), -1.0, None))


def _cavity_details(rng, p, sides: Sides, mitral_open) -> tuple[list, list]:
    """(inside, over): papillary muscles and trabeculae, which the renderer keeps within the
    compact cavity; then mitral leaflets and flow voids."""
    lat, sep = sides
    centre = np.array([0.4 * lat[-1][0], 0.0])  # inside the cavity, for the inward normals
    inside = []
    for t_at, length_frac, width_mm, side in p["pap"]:
        border = lat if side == "lat" else sep
        i = int(np.searchsorted(T_GRID, t_at))
        inward = _inward(border, i, centre)
        root = border[i] - 3.0 * inward  # anchored in the wall; the cavity mask cuts it
        # the muscle runs along the wall toward the leaflet tips, its head off the wall
        tip = border[i] + np.array([-length_frac * lat[-1][0], 0.0]) + inward * 0.6 * width_mm
        inside.append((lab.PAPILLARY, strand(root, tip, width_mm, rng.normal(0, 2.0), 0.3)))
    lo, hi = p["trab_width"]
    for _ in range(p["n_trab"]):
        on_lat = rng.random() < 0.7  # mostly on the free wall and toward the apex
        border = lat if on_lat else sep
        i = int(np.searchsorted(T_GRID, rng.uniform(0.45 if on_lat else 0.7, 0.97)))
        inward = _inward(border, i, centre)
        turn = rng.uniform(-0.7, 0.7)
        c, s = np.cos(turn), np.sin(turn)
        direction = np.array([c * inward[0] - s * inward[1], s * inward[0] + c * inward[1]])
        root = border[i] - 1.5 * inward
        tip = border[i] + direction * rng.uniform(3.0, 11.0)
        inside.append((lab.PAPILLARY, strand(root, tip, rng.uniform(lo, hi), rng.normal(0, 1.0))))
    for _ in range(p["n_bridges"]):  # strands across the apex, wall to wall
        j = int(np.searchsorted(T_GRID, rng.uniform(0.86, 0.96)))
        start, end = lat[j] - 1.0 * _inward(lat, j, centre), sep[j] - 1.0 * _inward(sep, j, centre)
        inside.append(
            (lab.PAPILLARY, strand(start, end, rng.uniform(lo, hi), rng.normal(0, 2.0), 0.0))
        )
    a, b = sep[0], lat[0]
    over = [
        (lab.VALVE, _leaflet(a, b, mitral_open, 0.6)),
        (lab.VALVE, _leaflet(b, a, mitral_open, 0.4)),
    ]
    if p["flow_void"]:
        over.append((lab.FLOW_VOID, _flow_void(rng, a, b, lat, mitral_open)))
    return inside, over


def _inward(border: np.ndarray, i: int, centre: np.ndarray) -> np.ndarray:
    """Unit normal of a cavity side at sample i, pointing into the cavity."""
    tangent = border[min(i + 1, len(border) - 1)] - border[max(i - 1, 0)]
    normal = np.array([-tangent[1], tangent[0]])
    normal /= max(float(np.linalg.norm(normal)), 1e-9)
    return normal if normal @ (centre - border[i]) > 0 else -normal


def _flow_void(rng, a, b, lat, mitral_open) -> np.ndarray:
    """Dephasing from fast flow: the mitral inflow jet in diastole, the outflow tract in systole."""
    length = float(lat[-1][0])
    if mitral_open > 0.5:
        centre = 0.5 * (a + b) + np.array([0.22 * length, 0.0])
        radii = (rng.uniform(0.12, 0.25) * length, rng.uniform(3.0, 7.0))
    else:
        centre = a + np.array([rng.uniform(5.0, 12.0), rng.uniform(4.0, 9.0)])
        radii = (rng.uniform(5.0, 10.0), rng.uniform(2.5, 5.0))
    return blob(rng, tuple(centre), radii, irregular=0.15, n=24)
