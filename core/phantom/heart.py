"""The phantom heart: LV cavity and wall, RV, atria and valves as polygons at any cardiac phase.

The ventricle lives in a local frame (u along the long axis from the mitral annulus toward the
apex, v across it; v < 0 is the septal side) in mm. `HeartModel.draw` picks one heart; `state(c)`
returns its polygons in the body frame at contraction c (0 = end-diastole, 1 = end-systole). The
apex stays put through the cycle and the base descends toward it, as in real long-axis cines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.phantom.chambers import T_GRID, build_chambers
from core.phantom.family import BASE, Family
from core.phantom.shapes import wobble


@dataclass
class HeartState:
    """Polygons of one phase in body mm; (label, polygon) lists in painting order.

    `under` is painted before the LV cavity (which is filled from `cavity`), `inside` after it
    but only within the cavity (papillary muscles, trabeculae: they never move the compact
    border the truth is measured on), `over` last (leaflets, flow voids).
    """

    under: list[tuple[int, np.ndarray]]
    inside: list[tuple[int, np.ndarray]]
    over: list[tuple[int, np.ndarray]]
    cavity: np.ndarray
    la: np.ndarray
    hinge_a: np.ndarray
    hinge_b: np.ndarray
    outline: np.ndarray  # envelope of the whole heart (for placing fat and checking overlap)


@dataclass
class HeartModel:
    """One random heart (static anatomy) that can be posed at any contraction."""

    view: str
    origin: np.ndarray  # mitral annulus midpoint at ED, body mm
    axis: np.ndarray  # unit vector base -> apex in the body frame
    length_mm: float  # local u-extent of the cavity at ED
    width_mm: float  # width parameter of the cavity profile at ED
    p: dict = field(default_factory=dict)  # shape, wall, function and chamber parameters

    @classmethod
    def draw(
        cls, rng: np.random.Generator, view: str, si_target: float, fam: Family = BASE
    ) -> HeartModel:
        """A random heart whose ED cavity has roughly the requested SI (anatomy of family fam)."""
        dilated = si_target > 0.66
        length = float(np.clip(rng.normal(87.0, 6.0), 74.0, 102.0))
        if dilated:
            length += rng.uniform(0.0, 14.0)
        angle = rng.uniform(np.radians(-65.0), np.radians(-20.0))
        axis = np.array([np.cos(angle), np.sin(angle)])
        p = _shape_params(rng, si_target, dilated)
        p.update(_wall_params(rng, dilated))
        p.update(_chamber_params(rng, view))
        p.update(_cavity_params(rng, view, fam))
        model = cls(view, np.zeros(2), axis, length, si_target * length, p)
        model._calibrate(si_target)
        return model

    # --- geometry in the local (u, v) frame -------------------------------------------------

    def _profile(self, t: np.ndarray, side: str) -> np.ndarray:
        p = self.p
        t_max, a0 = p["t_max"], p["a0"]
        g = np.empty_like(t)
        lo = t < t_max
        g[lo] = a0 + (1.0 - a0) * np.sin(0.5 * np.pi * t[lo] / t_max) ** p["base_bulge"]
        z = (t[~lo] - t_max) / (1.0 - t_max)
        g[~lo] = np.clip(1.0 - z ** p["apex_power"], 0.0, None) ** p["apex_sharp"]
        return g ** p[f"exp_{side}"] * p[f"gain_{side}"]

    def _sides(
        self, c: float, length: float, width: float, *, smooth: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lateral (v > 0) and septal (v < 0) cavity borders as (N, 2) local points, base first.

        smooth=True leaves out the trabecular ridges (the epicardium is built on that).
        """
        p, t = self.p, T_GRID
        bend = p["banana_mm"] * np.sin(np.pi * t)
        taper = 0.0 if smooth else np.sqrt(np.clip(1.0 - t, 0.0, 1.0))  # smooth tip
        out = []
        for side, sign in (("lat", 1.0), ("sep", -1.0)):
            half = 0.5 * width * self._profile(t, side) + p[f"trab_{side}"] * taper
            u0 = p[f"base_{side}"] * (1.0 - 0.3 * c)
            u = u0 * (1.0 - t) + length * t
            out.append(np.stack([u, bend + sign * np.clip(half, 0.0, None)], axis=1))
        return out[0], out[1]

    def _cavity_local(self, c: float) -> np.ndarray:
        length, width = self._size(c)
        lat, sep = self._sides(c, length, width)
        return np.concatenate([sep, lat[-2::-1]])  # hinge A (septal) ... apex ... hinge B

    def _size(self, c: float) -> tuple[float, float]:
        return (
            self.length_mm * (1.0 - self.p["fs_long"] * c),
            self.width_mm * (1.0 - self.p["fs_width"] * c),
        )

    def _calibrate(self, si_target: float) -> None:
        """Rescale the width parameter so the ED cavity's approximate SI meets the target."""
        for _ in range(3):
            si = _approx_si(self._cavity_local(0.0))
            self.width_mm *= si_target / si

    # --- the body-frame pose of a phase -------------------------------------------------------

    def _to_body(self, local: np.ndarray, c: float) -> np.ndarray:
        length, _ = self._size(c)
        base = self.origin + (self.length_mm - length) * self.axis  # apex fixed, base descends
        normal = np.array([-self.axis[1], self.axis[0]])
        return base + np.outer(local[:, 0], self.axis) + np.outer(local[:, 1], normal)

    def state(self, c: float, mitral_open: float = 0.0) -> HeartState:
        """Polygons at contraction c in [0, 1] (0: ED, the largest cavity; 1: ES).

        mitral_open in [0, 1] swings the atrioventricular leaflets from closed to open (diastole)
        and moves flow voids from the outflow tract to the inflow jet.
        """
        length, width = self._size(c)
        thick = 1.0 + self.p["thickening"] * c
        lat, sep = self._sides(c, length, width)
        smooth = self._sides(c, length, width, smooth=True)
        cavity_local = np.concatenate([sep, lat[-2::-1]])
        under, inside, over, la_local, outline_local = build_chambers(
            self.p, self.view, (lat, sep), smooth, thick, mitral_open
        )
        cavity = self._to_body(cavity_local, c)
        return HeartState(
            under=[(label, self._to_body(poly, c)) for label, poly in under],
            inside=[(label, self._to_body(poly, c)) for label, poly in inside],
            over=[(label, self._to_body(poly, c)) for label, poly in over],
            cavity=cavity,
            la=self._to_body(la_local, c),
            hinge_a=cavity[0],
            hinge_b=cavity[-1],
            outline=self._to_body(outline_local, c),
        )


def _approx_si(local: np.ndarray) -> float:
    """SI of a local cavity polygon: farthest point from M, widest chord across that axis."""
    m = 0.5 * (local[0] + local[-1])
    d = np.linalg.norm(local - m, axis=1)
    apex = local[int(np.argmax(d))]
    u = (apex - m) / d.max()
    n = np.array([-u[1], u[0]])
    along, across = (local - m) @ u, (local - m) @ n
    idx = np.digitize(along, np.linspace(along.min(), along.max(), 60))
    hi = np.full(62, -np.inf)
    lo = np.full(62, np.inf)
    np.maximum.at(hi, idx, across)
    np.minimum.at(lo, idx, across)
    return float(np.max(hi - lo)) / float(d.max())


def _shape_params(rng: np.random.Generator, si: float, dilated: bool) -> dict:
    t = T_GRID
    trab_amp = rng.uniform(0.3, 1.6)
    spherical = float(np.clip((si - 0.45) / 0.35, 0.0, 1.0))
    return {
        "t_max": rng.uniform(0.18, 0.42) + 0.1 * spherical,
        "a0": rng.uniform(0.55, 0.78) + 0.12 * spherical,
        "base_bulge": rng.uniform(0.6, 1.4),
        "apex_power": rng.uniform(1.6, 2.6),
        # 0.5 would be an elliptical tip; above it the tip narrows to a point, which keeps the
        # apex (the cavity point farthest from the hinge midpoint) well defined
        "apex_sharp": rng.uniform(0.55, 0.75),
        "exp_lat": rng.uniform(0.85, 1.15),
        "exp_sep": rng.uniform(0.9, 1.35),  # the septum is usually straighter than the free wall
        "gain_lat": rng.uniform(1.0, 1.15),
        "gain_sep": rng.uniform(0.82, 1.0),
        "banana_mm": rng.uniform(-5.0, 5.0),
        "base_lat": rng.uniform(-4.0, 4.0),
        "base_sep": rng.uniform(-4.0, 4.0),
        # trabeculation: fine ridges, stronger toward the apex and on the free wall
        "trab_lat": wobble(rng, t, trab_amp, (7, 26)) * (0.4 + t),
        "trab_sep": wobble(rng, t, 0.5 * trab_amp, (7, 26)) * (0.3 + t),
        "fs_long": rng.uniform(0.08, 0.17) * (0.6 if dilated else 1.0),
        "fs_width": rng.uniform(0.24, 0.38) * (0.45 if dilated else 1.0),
    }


def _wall_params(rng: np.random.Generator, dilated: bool) -> dict:
    t = T_GRID
    thin = 0.8 if dilated else 1.0
    return {
        "wall_lat": rng.uniform(6.5, 10.5) * thin,
        "wall_sep": rng.uniform(7.0, 11.0) * thin,
        "wall_apex": rng.uniform(3.0, 6.0) * thin,
        "wall_wob_lat": wobble(rng, t, 0.8, (2, 7)),
        "wall_wob_sep": wobble(rng, t, 0.6, (2, 7)),
        "thickening": rng.uniform(0.25, 0.55) * (0.5 if dilated else 1.0),
    }


def _chamber_params(rng: np.random.Generator, view: str) -> dict:
    return {
        "rv_len": rng.uniform(0.72, 0.92),
        "rv_width": rng.uniform(18.0, 38.0),
        "rv_wall": rng.uniform(2.5, 4.5),
        "tv_offset": rng.uniform(4.0, 11.0),
        "la_len": rng.uniform(30.0, 50.0),
        "la_half": rng.uniform(1.3, 1.9),
        "ra_len": rng.uniform(35.0, 55.0),
        "ra_half": rng.uniform(17.0, 27.0),
        "atrial_gap": rng.uniform(3.0, 6.0),
        "atrial_wall": rng.uniform(1.5, 2.8),
        "moderator": bool(rng.random() < 0.7),
        "aortic_root": bool(view == "4CH" and rng.random() < 0.25),
        "veins": int(rng.integers(0, 3)),
        "rng_seed": int(rng.integers(0, 2**31)),
        "fat_margin": rng.uniform(0.5, 6.0),
        "flow_void": rng.random() < 0.45,
    }


def _cavity_params(rng: np.random.Generator, view: str, fam: Family) -> dict:
    """Papillary muscles and trabeculae: how many, where along the wall, how big.

    Papillary muscles: (t of the root along the wall, length as a fraction of the cavity,
    width mm, side). In 4CH both sit on the lateral (free) wall, the second (posteromedial,
    seen nearer the apex) in 3 of 5 hearts; in 2CH one on each wall, the v > 0 side being the
    inferior wall.
    """
    second_side = "lat" if view == "4CH" else "sep"
    sides = ["lat", second_side] if view == "2CH" or rng.random() < 0.6 else ["lat"]
    pap = [
        (
            rng.uniform(0.45, 0.62) if k == 0 else rng.uniform(0.6, 0.78),
            rng.uniform(*fam.papillary_length),
            rng.uniform(*fam.papillary_width_mm) * (1.0 if k == 0 else 0.8),
            side,
        )
        for k, side in enumerate(sides)
    ]
    return {
        "pap": pap,
        "n_trab": int(rng.integers(fam.n_trabeculae[0], fam.n_trabeculae[1] + 1)),
        "trab_width": fam.trabecula_width_mm,
        "n_bridges": int(rng.integers(fam.n_bridges[0], fam.n_bridges[1] + 1)),
    }
