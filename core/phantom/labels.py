"""Tissue labels of the phantom label map and the ranges their SSFP intensities are drawn from.

Intensities are relative to LV blood (1.0). Every tissue is drawn independently per series from
its range (domain randomisation); the ranges follow DESIGN.md ("What real long-axis cine MRI
looks like") and the real MR test images the module docstring of core.phantom names.
"""

from __future__ import annotations

import numpy as np

AIR = 0
SUBCUT_FAT = 1
MUSCLE = 2
SOFT = 3  # mediastinal and other soft tissue
LUNG = 4
LIVER = 5
MARROW = 6
BONE = 7  # cortical bone, dark in every sequence
CSF = 8
DESC_AORTA = 9
PERI_FAT = 10
LV_MYO = 11
LV_BLOOD = 12
RV_MYO = 13
RV_BLOOD = 14
LA_BLOOD = 15
RA_BLOOD = 16
ATRIAL_WALL = 17
AORTA = 18
VESSEL = 19  # pulmonary and coronary vessels: bright blood in SSFP
VALVE = 20
PAPILLARY = 21  # papillary muscles and trabeculae: myocardium inside the compact cavity
STOMACH_FLUID = 22
GAS = 23
FLOW_VOID = 24
N_LABELS = 25

# (low, high) intensity relative to LV blood; texture = (low, high) relative amplitude of the
# tissue's smooth random texture.
TISSUES: dict[int, tuple[tuple[float, float], tuple[float, float]]] = {
    AIR: ((0.0, 0.0), (0.0, 0.0)),
    SUBCUT_FAT: ((0.7, 1.3), (0.05, 0.2)),
    MUSCLE: ((0.22, 0.45), (0.05, 0.2)),
    SOFT: ((0.3, 0.65), (0.05, 0.25)),
    LUNG: ((0.01, 0.07), (0.2, 0.6)),
    LIVER: ((0.3, 0.6), (0.04, 0.15)),
    MARROW: ((0.35, 0.8), (0.05, 0.2)),
    BONE: ((0.02, 0.1), (0.0, 0.2)),
    CSF: ((0.8, 1.4), (0.02, 0.1)),
    DESC_AORTA: ((0.6, 1.2), (0.05, 0.2)),
    PERI_FAT: ((0.7, 1.3), (0.05, 0.25)),
    LV_MYO: ((0.3, 0.4), (0.02, 0.08)),
    LV_BLOOD: ((1.0, 1.0), (0.0, 0.0)),  # blood texture is its own field, see render
    RV_MYO: ((0.28, 0.45), (0.02, 0.1)),
    RV_BLOOD: ((0.85, 1.25), (0.0, 0.0)),
    LA_BLOOD: ((0.85, 1.25), (0.0, 0.0)),
    RA_BLOOD: ((0.85, 1.25), (0.0, 0.0)),
    ATRIAL_WALL: ((0.25, 0.45), (0.02, 0.1)),
    AORTA: ((0.85, 1.25), (0.0, 0.0)),
    VESSEL: ((0.6, 1.2), (0.0, 0.1)),
    VALVE: ((0.25, 0.5), (0.0, 0.05)),
    PAPILLARY: ((0.3, 0.45), (0.02, 0.08)),
    STOMACH_FLUID: ((0.5, 1.3), (0.05, 0.2)),
    GAS: ((0.0, 0.05), (0.0, 0.3)),
    FLOW_VOID: ((0.35, 0.8), (0.0, 0.0)),
}

BLOOD = (LV_BLOOD, RV_BLOOD, LA_BLOOD, RA_BLOOD, AORTA)


def four_chamber_map(masks: dict[str, np.ndarray]) -> np.ndarray:
    """A phantom's masks in the public 4-chamber layout: LV cavity 1, LV myocardium 2, RV 3,
    LA 4, RA 5, else 0. The LV cavity is the compact cavity: papillary muscles and trabeculae
    inside it count as cavity, as readers and public label maps draw it."""
    out = np.zeros(masks["lv"].shape, dtype=np.uint8)
    for value, name in ((5, "ra"), (4, "la"), (3, "rv"), (2, "myo"), (1, "lv")):
        if name in masks:
            out[masks[name]] = value
    return out


def draw_intensities(rng: np.random.Generator, fam=None) -> tuple[np.ndarray, ...]:
    """Per-label intensity, texture amplitude and texture field index for one series.

    fam (a core.phantom.family.Family, base when None) sets the myocardium, fat and
    other-blood ranges; base's equal the TISSUES table.
    """
    level = np.zeros(N_LABELS)
    texture = np.zeros(N_LABELS)
    for label, ((lo, hi), (tlo, thi)) in TISSUES.items():
        level[label] = rng.uniform(lo, hi)
        texture[label] = rng.uniform(tlo, thi)
    if fam is not None:
        level[LV_MYO] = rng.uniform(*fam.myo_level)
        level[RV_MYO] = level[LV_MYO] * rng.uniform(0.9, 1.1)
        level[[SUBCUT_FAT, PERI_FAT]] = rng.uniform(*fam.fat_level, 2)
        level[[RV_BLOOD, LA_BLOOD, RA_BLOOD, AORTA]] = rng.uniform(*fam.other_blood_level, 4)
    # papillary muscles and trabeculae are myocardium: close to the wall's own intensity
    level[PAPILLARY] = level[LV_MYO] * rng.uniform(0.95, 1.15)
    # thin leaflets are averaged with the blood around them (partial volume): a dark line of
    # varying depth, and the annulus is still found from the anatomy, not from a drawn line
    level[VALVE] = rng.uniform(0.3, 0.75)
    # flow voids darken the blood they sit in (a factor, applied by the renderer)
    field_index = rng.integers(0, 3, N_LABELS)
    return level, texture, field_index
