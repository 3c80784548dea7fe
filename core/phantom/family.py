"""Phantom families: the ranges one family of phantoms draws its contrast, anatomy and scanner from.

"base" is the default every command generates and the model trains on. "shifted" is a measured
stand-in for a new scanner: it differs from base the way real frames differ from phantoms
(issue 15), while its truth stays exact. Every value is a (low, high) range drawn per series, or
a probability; the heart shape, chest and SI distribution are the same in both families.

| parameter                              | base                 | shifted               |
|----------------------------------------|----------------------|-----------------------|
| LV myocardium / LV blood               | 0.30-0.40            | 0.38-0.55             |
| fat (subcutaneous, epicardial) / blood | 0.70-1.30            | 1.05-1.60             |
| RV, atria / LV blood                   | 0.85-1.25            | 0.75-1.10             |
| gamma on the clean intensities         | 1.0                  | 0.75-1.35             |
| noise sigma / blood                    | 1.2-7 %              | 4-10 %                |
| noise texture (correlation, px)        | white                | 0.5-1.1 (smoothed)    |
| parallel imaging (g-factor peak)       | 1 in 2, 1.1-1.5      | 4 in 5, 1.3-2.2       |
| trabeculae (count, width)              | 8-18, 1.5-3 mm       | 14-28, 2-4 mm         |
| apical bridging trabeculae             | 0-2                  | 1-4                   |
| papillary muscle width, length         | 8-13 mm, 25-40 %     | 12-17 mm, 35-50 %     |
| in-plane rotation                      | +-30 deg             | +-45 deg              |
| extra quarter turn (90/180/270 deg)    | 1 in 10              | 1 in 3                |
| left-right / up-down flip              | 3 in 10 / 1 in 10    | 1 in 2 / 3 in 10      |
| heart offset from the frame centre     | +-8 % of the FOV     | +-12 % of the FOV     |
| FOV / chest width (FOV 280-440 mm)     | 0.80-1.15            | 0.95-1.35             |
| pixel size                             | 1.3-1.95 mm          | 1.6-2.2 mm            |
| matrix (rows, columns each)            | 156-256              | 128-224               |
| arms in the field of view              | 3 in 10              | 7 in 10               |
| coil shading (front-to-back log ratio) | 1 in 2, 0.15-0.5     | 9 in 10, 0.5-1.1      |
| k-space kept along phase encoding      | 0.50-0.90            | 0.40-0.65             |
| thick-slice partial volume (weight)    | 0-0.25               | 0.2-0.45              |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

FamilyName = Literal["base", "shifted"]
FAMILIES: tuple[str, ...] = ("base", "shifted")

Range = tuple[float, float]


@dataclass(frozen=True)
class Family:
    """What one phantom family draws from (see the module table)."""

    name: str
    stream: int  # mixed into the seed, so seed s of two families are different phantoms
    myo_level: Range
    fat_level: Range
    other_blood_level: Range
    gamma: Range
    noise_sigma: Range
    noise_corr_px: Range  # 0: white noise
    p_parallel: float
    g_factor: Range
    n_trabeculae: tuple[int, int]
    n_bridges: tuple[int, int]  # trabeculae bridging the apex from wall to wall
    trabecula_width_mm: Range
    papillary_width_mm: Range
    papillary_length: Range  # fraction of the cavity length
    rotation_deg: float
    p_quarter_turn: float
    p_flip_lr: float
    p_flip_ud: float
    offset: float  # fraction of the field of view
    fov_per_chest: Range
    pixel_mm: Range
    matrix: tuple[int, int]  # rows and columns each within
    p_arms: float
    p_coil: float
    coil_strength: Range
    phase_kspace: Range
    slice_blur: Range


BASE = Family(
    name="base",
    stream=0,
    myo_level=(0.30, 0.40),
    fat_level=(0.70, 1.30),
    other_blood_level=(0.85, 1.25),
    gamma=(1.0, 1.0),
    noise_sigma=(0.012, 0.07),
    noise_corr_px=(0.0, 0.0),
    p_parallel=0.5,
    g_factor=(1.1, 1.5),
    n_trabeculae=(8, 18),
    n_bridges=(0, 2),
    trabecula_width_mm=(1.5, 3.0),
    papillary_width_mm=(8.0, 13.0),
    papillary_length=(0.25, 0.40),
    rotation_deg=30.0,
    p_quarter_turn=0.1,
    p_flip_lr=0.3,
    p_flip_ud=0.1,
    offset=0.08,
    fov_per_chest=(0.80, 1.15),
    pixel_mm=(1.3, 1.95),
    matrix=(156, 256),
    p_arms=0.3,
    p_coil=0.5,
    coil_strength=(0.15, 0.5),
    phase_kspace=(0.5, 0.9),
    slice_blur=(0.0, 0.25),
)

SHIFTED = Family(
    name="shifted",
    stream=1,
    myo_level=(0.38, 0.55),
    fat_level=(1.05, 1.60),
    other_blood_level=(0.75, 1.10),
    gamma=(0.75, 1.35),
    noise_sigma=(0.04, 0.10),
    noise_corr_px=(0.5, 1.1),
    p_parallel=0.8,
    g_factor=(1.3, 2.2),
    n_trabeculae=(14, 28),
    n_bridges=(1, 4),
    trabecula_width_mm=(2.0, 4.0),
    papillary_width_mm=(12.0, 17.0),
    papillary_length=(0.35, 0.50),
    rotation_deg=45.0,
    p_quarter_turn=1.0 / 3.0,
    p_flip_lr=0.5,
    p_flip_ud=0.3,
    offset=0.12,
    fov_per_chest=(0.95, 1.35),
    pixel_mm=(1.6, 2.2),
    matrix=(128, 224),
    p_arms=0.7,
    p_coil=0.9,
    coil_strength=(0.5, 1.1),
    phase_kspace=(0.40, 0.65),
    slice_blur=(0.2, 0.45),
)


def family(name: str) -> Family:
    """The family of that name ("base" or "shifted"); ValueError for any other."""
    for one in (BASE, SHIFTED):
        if one.name == name:
            return one
    raise ValueError(f"family must be one of {FAMILIES}, got {name!r}")


def family_rng(fam: Family, seed: int, *tail: int) -> np.random.Generator:
    """A generator for (seed, *tail): base keeps the plain seed sequence, other families draw
    from their own stream, so seed s of two families are unrelated phantoms."""
    key = [int(seed), *(int(t) for t in tail)]
    if fam.stream:
        key += [7919, fam.stream]
    return np.random.default_rng(key if len(key) > 1 else key[0])
