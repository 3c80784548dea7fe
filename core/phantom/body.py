"""The chest around the heart: body outline, fat, muscle, ribs, lungs, spine, aorta, liver, arms.

Built once per series in the body frame (mm, x toward the patient's left, y toward the back,
origin at the mitral annulus midpoint at ED), sized so the heart sits inside the thorax. The body
is a polar outline (angle -> radius) with a flat back, lobes and optional breasts, never a plain
ellipse: a smooth elliptical body was one of the shortcuts a model learned from cartoon phantoms.
"""

from __future__ import annotations

import numpy as np
import shapely

from core.phantom import labels as lab
from core.phantom.shapes import blob, grow, strand, wobble

N_ANGLES = 180
THETA = np.linspace(0.0, 2.0 * np.pi, N_ANGLES, endpoint=False)


def build_body(
    rng: np.random.Generator, heart_outline: np.ndarray, p_arms: float = 0.3
) -> list[tuple[int, np.ndarray]]:
    """Paint list (label, body-frame polygon) of everything outside the heart, back to front;
    arms beside the chest with probability p_arms."""
    radii = np.array([rng.uniform(140.0, 195.0), rng.uniform(95.0, 130.0)])
    shape = _outline_params(rng)
    t = THETA / (2 * np.pi)
    fat = rng.uniform(4.0, 26.0) * (1.0 + wobble(rng, t, 0.35, (1, 4)))
    # pectoral muscles in front, paraspinal muscles behind
    muscle = rng.uniform(6.0, 12.0) + rng.uniform(4.0, 14.0) * np.clip(-np.sin(THETA), 0.0, None)
    muscle = muscle + 30.0 * np.clip(np.sin(THETA), 0.0, None) ** 3
    r_out = _outer_radius(radii, shape)
    r_in = r_out - fat - muscle
    # The heart touches the front of the thorax (the apex lies against the chest wall) and sits
    # left of the midline; then grow the chest a little if any part still sticks out.
    front = N_ANGLES * 3 // 4  # THETA = 3 pi / 2 points toward the front
    top = heart_outline[:, 1].min() - rng.uniform(2.0, 15.0)
    centre = np.array([heart_outline[:, 0].mean() - rng.uniform(15.0, 50.0), top + r_in[front]])
    for _ in range(4):
        need = _overflow(heart_outline - centre, r_in)
        if need <= 0.97:
            break
        radii = radii * min(need / 0.97, 1.1)
        r_out = _outer_radius(radii, shape)
        r_in = r_out - fat - muscle
        centre[1] = top + r_in[front]
    thorax = _polar(centre, r_in)
    paint = _arms(rng, centre, r_out, p_arms)  # first: where an arm meets the chest, the chest
    paint += [(lab.SUBCUT_FAT, _polar(centre, r_out)), (lab.MUSCLE, _polar(centre, r_out - fat))]
    if rng.random() < 0.6:  # a fat plane between the muscle layers of the chest wall
        depth = fat + muscle * rng.uniform(0.3, 0.6)
        plane = np.clip(rng.uniform(0.8, 3.0) * (1.0 + wobble(rng, t, 0.8, (2, 6))), 0.0, None)
        paint += [
            (lab.SUBCUT_FAT, _polar(centre, r_out - depth)),
            (lab.MUSCLE, _polar(centre, r_out - depth - plane)),
        ]
    paint.append((lab.LUNG, thorax))
    paint += _lung_vessels(rng, centre, r_in)
    paint += _ribs(rng, centre, r_in)
    paint += _abdomen(rng, centre, radii, thorax)
    paint += _clutter(rng, centre, r_out, fat)
    paint += _spine_and_mediastinum(rng, centre, r_in)
    return paint


def _outline_params(rng: np.random.Generator) -> dict:
    return {
        "exponent": rng.uniform(2.0, 3.3),
        "lobes": wobble(rng, THETA / (2 * np.pi), rng.uniform(0.02, 0.06), (2, 7)),
        "flat_back": rng.uniform(0.78, 0.97),
        "breasts": rng.uniform(0.08, 0.25) if rng.random() < 0.35 else 0.0,
        "breast_spread": rng.uniform(0.35, 0.6),
    }


def _outer_radius(radii: np.ndarray, s: dict) -> np.ndarray:
    """Radius of the skin per angle: superellipse, lobes, breasts, a back flattened by the table."""
    c, si = np.abs(np.cos(THETA)), np.abs(np.sin(THETA))
    e = s["exponent"]
    r = 1.0 / ((c / radii[0]) ** e + (si / radii[1]) ** e) ** (1.0 / e)
    r = r * (1.0 + s["lobes"])
    if s["breasts"]:
        for angle in (-np.pi / 2 - s["breast_spread"], -np.pi / 2 + s["breast_spread"]):
            d = np.angle(np.exp(1j * (THETA - angle)))
            r = r * (1.0 + s["breasts"] * np.exp(-0.5 * (d / 0.28) ** 2))
    back = np.sin(THETA) > 0.05
    r[back] = np.minimum(r[back], radii[1] * s["flat_back"] / np.sin(THETA[back]))
    return r


def _polar(centre: np.ndarray, r: np.ndarray) -> np.ndarray:
    return centre + np.stack([r * np.cos(THETA), r * np.sin(THETA)], axis=1)


def _overflow(rel: np.ndarray, r_in: np.ndarray) -> float:
    """Largest ratio of a heart point's radius to the thorax radius at its angle."""
    angle = np.mod(np.arctan2(rel[:, 1], rel[:, 0]), 2.0 * np.pi)
    idx = np.round(angle / (2.0 * np.pi) * N_ANGLES).astype(int) % N_ANGLES
    return float(np.max(np.linalg.norm(rel, axis=1) / np.maximum(r_in[idx], 1.0)))


def _ribs(rng: np.random.Generator, centre: np.ndarray, r_in: np.ndarray) -> list:
    """Rib sections cut obliquely along the inner chest wall: dark cortex, some marrow."""
    out = []
    for k in rng.choice(N_ANGLES, size=int(rng.integers(6, 16)), replace=False):
        if np.sin(THETA[k]) > 0.7:  # the spine sits there
            continue
        r = r_in[k] + rng.uniform(-2.0, 5.0)
        at = centre + r * np.array([np.cos(THETA[k]), np.sin(THETA[k])])
        radii = (rng.uniform(5.0, 11.0), rng.uniform(3.0, 5.0))
        rib = blob(rng, tuple(at), radii, angle_rad=THETA[k] + np.pi / 2, irregular=0.1, n=20)
        out.append((lab.BONE, rib))
        if rng.random() < 0.6:
            out.append((lab.MARROW, grow(rib, -1.5)))
    return out


def _lung_vessels(rng: np.random.Generator, centre: np.ndarray, r_in: np.ndarray) -> list:
    """Pulmonary vessels: bright dots and short branches scattered in the lungs."""
    out = []
    for _ in range(int(rng.integers(12, 45))):
        k = int(rng.integers(0, N_ANGLES))
        at = centre + rng.uniform(0.3, 0.9) * r_in[k] * np.array(
            [np.cos(THETA[k]), np.sin(THETA[k])]
        )
        if rng.random() < 0.5:
            size = rng.uniform(1.0, 3.5)
            out.append((lab.VESSEL, blob(rng, tuple(at), (size, size), irregular=0, n=12)))
        else:
            end = at + rng.normal(0.0, 12.0, 2)
            out.append((lab.VESSEL, strand(at, end, rng.uniform(1.5, 4.0), rng.normal(0, 2))))
    return out


def _abdomen(rng, centre, radii, thorax: np.ndarray) -> list:
    """Liver dome (and sometimes the stomach) under the diaphragm, clipped to the body wall."""
    inside = shapely.Polygon(thorax).buffer(0)
    out = []
    liver_c = centre + np.array([-rng.uniform(0.3, 0.6), rng.uniform(0.25, 0.6)]) * radii
    liver_r = (rng.uniform(70.0, 120.0), rng.uniform(55.0, 90.0))
    organs = [(lab.LIVER, blob(rng, tuple(liver_c), liver_r, angle_rad=rng.uniform(-0.6, 0.6)))]
    if rng.random() < 0.4:
        st_c = centre + np.array([rng.uniform(0.3, 0.55), rng.uniform(0.2, 0.5)]) * radii
        organs.append((lab.STOMACH_FLUID, blob(rng, tuple(st_c), (35.0, 28.0), irregular=0.15)))
    for label, organ in organs:
        diaphragm = _clip(grow(organ, rng.uniform(3.0, 6.0)), inside)
        body = _clip(organ, inside)
        if diaphragm is None or body is None:
            continue
        out += [(lab.MUSCLE, diaphragm), (label, body)]
        if label == lab.STOMACH_FLUID and rng.random() < 0.6:
            gas = _clip(blob(rng, tuple(organ.min(axis=0) + 15.0), (15.0, 9.0)), inside)
            if gas is not None:
                out.append((lab.GAS, gas))
    return out


CLUTTER_LABELS = (lab.VESSEL, lab.SOFT, lab.SUBCUT_FAT, lab.MUSCLE, lab.GAS, lab.BONE)
CLUTTER_WEIGHTS = (0.35, 0.25, 0.15, 0.15, 0.05, 0.05)


def _clutter(rng, centre: np.ndarray, r_out: np.ndarray, fat: np.ndarray) -> list:
    """Small structures everywhere (vessels, septa, nodes, bowel gas): no region stays flat.

    Real chests are full of detail at every scale (see the abdomen MR in the module docstring
    of core.phantom); large flat regions would be a phantom's signature a model can learn.
    """
    out = []
    for _ in range(int(rng.integers(30, 90))):
        k = int(rng.integers(0, N_ANGLES))
        direction = np.array([np.cos(THETA[k]), np.sin(THETA[k])])
        at = centre + rng.uniform(0.1, 0.97) * r_out[k] * direction
        label = int(rng.choice(CLUTTER_LABELS, p=CLUTTER_WEIGHTS))
        if rng.random() < 0.5:
            size = rng.uniform(1.2, 6.0)
            radii = (size, size * rng.uniform(0.5, 1.0))
            # too small for an irregular outline to show: a plain ellipse is cheaper
            shape = blob(rng, tuple(at), radii, angle_rad=rng.uniform(0, np.pi), irregular=0, n=12)
        else:
            end = at + rng.normal(0.0, 10.0, 2)
            shape = strand(at, end, rng.uniform(0.8, 3.0), rng.normal(0.0, 3.0))
        out.append((label, shape))
    for _ in range(int(rng.integers(8, 30))):  # septa across the subcutaneous fat
        k = int(rng.integers(0, N_ANGLES))
        direction = np.array([np.cos(THETA[k]), np.sin(THETA[k])])
        inner = centre + (r_out[k] - fat[k]) * direction
        outer = centre + (r_out[k] - rng.uniform(0.1, 0.9) * fat[k]) * direction
        tangent = np.array([-direction[1], direction[0]]) * rng.normal(0.0, 5.0)
        out.append((lab.MUSCLE, strand(inner, outer + tangent, rng.uniform(0.6, 1.5))))
    return out


def _clip(points: np.ndarray, inside) -> np.ndarray | None:
    """The largest piece of a polygon inside another, as an outline, or None."""
    piece = shapely.Polygon(points).buffer(0).intersection(inside)
    if piece.is_empty:
        return None
    if piece.geom_type != "Polygon":
        piece = max(getattr(piece, "geoms", []), key=lambda g: g.area, default=None)
        if piece is None or piece.geom_type != "Polygon":
            return None
    return np.asarray(piece.exterior.coords)[:-1]


def _spine_and_mediastinum(rng, centre: np.ndarray, r_in: np.ndarray) -> list:
    """Vertebra with canal, descending aorta and oesophagus behind the heart."""
    back = int(N_ANGLES * 0.25)  # THETA = pi / 2 points toward the back
    spine = centre + np.array([rng.uniform(-10.0, 10.0), r_in[back] - rng.uniform(0.0, 12.0)])
    body_r = (rng.uniform(16.0, 24.0), rng.uniform(13.0, 18.0))
    vertebra = blob(rng, tuple(spine), body_r, angle_rad=rng.uniform(-0.3, 0.3), irregular=0.05)
    canal_c = spine + np.array([0.0, body_r[1] + rng.uniform(8.0, 12.0)])
    aorta_c = spine + np.array([rng.uniform(18.0, 34.0), -rng.uniform(15.0, 30.0)])
    aorta_r = rng.uniform(9.0, 14.0)
    aorta = blob(rng, tuple(aorta_c), (aorta_r, aorta_r * rng.uniform(0.8, 1.2)), irregular=0.03)
    oeso_c = spine + np.array([rng.uniform(-8.0, 8.0), -body_r[1] - rng.uniform(8.0, 14.0)])
    mediastinum = blob(rng, tuple(0.5 * (spine + aorta_c) - [0, 20.0]), (42.0, 30.0))
    out = [
        (lab.SOFT, mediastinum),
        (lab.BONE, grow(blob(rng, tuple(canal_c), (14.0, 12.0), irregular=0.1), 0.0)),
        (lab.CSF, blob(rng, tuple(canal_c), (6.5, 5.5), irregular=0.05, n=24)),
        (lab.BONE, grow(vertebra, 2.0)),
        (lab.MARROW, vertebra),
        (lab.SOFT, grow(aorta, 1.5)),
        (lab.DESC_AORTA, aorta),
        (lab.SOFT, blob(rng, tuple(oeso_c), (8.0, 6.0), irregular=0.1, n=24)),
    ]
    if rng.random() < 0.5:
        out.append((lab.GAS, blob(rng, tuple(oeso_c), (2.5, 1.5), irregular=0.1, n=12)))
    return out


def _arms(rng: np.random.Generator, centre: np.ndarray, r_out: np.ndarray, p_arms: float) -> list:
    """Upper arms beside the chest in some scans (large fields of view catch them)."""
    if rng.random() >= p_arms:
        return []
    out = []
    for side, k in ((1.0, 0), (-1.0, N_ANGLES // 2)):
        at = centre + np.array([side * (r_out[k] + rng.uniform(35.0, 60.0)), rng.uniform(-20, 30)])
        radii = (rng.uniform(35.0, 48.0), rng.uniform(40.0, 55.0))
        arm = blob(rng, tuple(at), radii, irregular=0.06)
        out += [(lab.SUBCUT_FAT, arm), (lab.MUSCLE, grow(arm, -rng.uniform(4.0, 12.0)))]
        bone = blob(rng, tuple(at + rng.normal(0, 6.0, 2)), (9.0, 9.0), irregular=0.05, n=20)
        out += [(lab.BONE, bone), (lab.MARROW, grow(bone, -2.5))]
    return out
