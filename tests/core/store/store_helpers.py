"""Small seeded frames and landmarks shared by the store tests."""

import numpy as np

from core.geometry import Landmarks, Spacing

SPACING = Spacing(1.5, 1.25)


def frame(seed: int, shape=(16, 16), dtype=np.uint16) -> np.ndarray:
    """A small, seeded frame (distinct seeds give distinct pixels)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4000, size=shape).astype(dtype)


def landmarks(shift: float = 0.0) -> Landmarks:
    """Valid landmarks on a 16x16 frame; `shift` moves the width ends outward."""
    return Landmarks(
        apex=(8.0, 2.0),
        hinge_a=(5.0, 13.0),
        hinge_b=(11.0, 13.0),
        w1=(4.0 - shift, 8.0),
        w2=(12.0 + shift, 8.0),
    )
