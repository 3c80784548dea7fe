"""Polygon building blocks for phantoms: irregular blobs, wobbles, rings, strands and affine maps.

All polygons are (N, 2) float arrays of (x, y) points in millimetres of whatever frame the caller
works in; `Affine` carries them from the body frame to image pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Affine:
    """x' = matrix @ x + offset, for (N, 2) point arrays."""

    matrix: np.ndarray
    offset: np.ndarray

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points, dtype=float) @ self.matrix.T + self.offset

    def then(self, other: Affine) -> Affine:
        """This map followed by `other`."""
        return Affine(other.matrix @ self.matrix, other.matrix @ self.offset + other.offset)


def rotation(angle_rad: float) -> np.ndarray:
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[c, -s], [s, c]])


def wobble(
    rng: np.random.Generator, t: np.ndarray, amp: float, freqs: tuple[int, int]
) -> np.ndarray:
    """A random sum of sinusoids of t (periodic in t over [0, 1]) with total amplitude ~amp.

    Periodic so that closed outlines have no seam; integer frequencies between freqs[0] and
    freqs[1] give the scale of the irregularity (low: lobes, high: trabeculation-like ridges).
    """
    lo, hi = freqs
    k = np.arange(lo, hi + 1)
    weights = rng.uniform(0.3, 1.0, k.size) / np.sqrt(k / lo)
    weights *= amp / max(np.sqrt(np.sum(weights**2) / 2.0), 1e-9)
    phases = rng.uniform(0.0, 2.0 * np.pi, k.size)
    return np.sin(2.0 * np.pi * np.outer(t, k) + phases) @ weights


def blob(
    rng: np.random.Generator,
    centre: tuple[float, float],
    radii: tuple[float, float],
    *,
    angle_rad: float = 0.0,
    irregular: float = 0.08,
    n: int = 64,
    freqs: tuple[int, int] = (2, 6),
) -> np.ndarray:
    """An irregular closed outline around an ellipse (relative radial wobble `irregular`)."""
    t = np.linspace(0.0, 1.0, n, endpoint=False)
    r = 1.0 + (wobble(rng, t, irregular, freqs) if irregular > 0 else 0.0)
    r = np.clip(r, 0.3, None)
    theta = 2.0 * np.pi * t
    local = np.stack([radii[0] * r * np.cos(theta), radii[1] * r * np.sin(theta)], axis=1)
    return local @ rotation(angle_rad).T + np.asarray(centre)


def grow(points: np.ndarray, distance_mm: np.ndarray | float) -> np.ndarray:
    """A closed outline moved outward along its vertex normals (negative shrinks).

    Cheap and good enough for smooth anatomy: it does not resolve self-overlaps, so keep the
    distance small relative to the local radius of curvature.
    """
    prev_pts = np.roll(points, 1, axis=0)
    next_pts = np.roll(points, -1, axis=0)
    tangent = next_pts - prev_pts
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    if _signed_area(points) < 0:  # clockwise in (x, y): the normal above points inward
        normal = -normal
    return points + normal * np.asarray(distance_mm, dtype=float).reshape(-1, 1)


def _signed_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def strand(
    start: np.ndarray, end: np.ndarray, width_mm: float, bend_mm: float = 0.0, taper: float = 0.5
) -> np.ndarray:
    """A slightly bent band from start to end, narrowing by `taper` toward the free end
    (leaflets, trabeculae, moderator band, vessels)."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = end - start
    length = max(float(np.hypot(direction[0], direction[1])), 1e-6)
    normal = np.array([-direction[1], direction[0]]) / length
    centre = start + _S * direction + (bend_mm * _SIN_S) * normal
    half = (0.5 * width_mm) * (1.0 - taper * _S)
    return np.concatenate([centre + half * normal, (centre - half * normal)[::-1]])


# samples along a strand (as a column, to broadcast against 2-D points)
_S = np.linspace(0.0, 1.0, 9)[:, None]
_SIN_S = np.sin(np.pi * _S)
