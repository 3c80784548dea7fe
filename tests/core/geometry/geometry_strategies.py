"""Hypothesis strategies for valid landmark sets, shared by the geometry tests."""

import math

from hypothesis import strategies as st

from core.geometry import Landmarks

finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def canonical_landmarks(draw):
    """Valid landmarks with a perpendicular width, plus (length, width) they were built with.

    The long axis runs from M = (0, 0) along +y; the width is horizontal at a level on the axis.
    """
    length = draw(st.floats(5.0, 300.0))
    level = draw(st.floats(0.02, 0.98))
    s1 = draw(st.floats(0.2, 150.0))
    s2 = -draw(st.floats(0.2, 150.0))
    half_hinge = draw(st.floats(0.5, 60.0))
    hinge_angle = draw(st.floats(0.0, math.pi))
    hx, hy = half_hinge * math.cos(hinge_angle), half_hinge * math.sin(hinge_angle)
    y = level * length
    lm = Landmarks(
        apex=(0.0, length),
        hinge_a=(hx, hy),
        hinge_b=(-hx, -hy),
        w1=(s1, y),
        w2=(s2, y),
    )
    return lm, length, s1 - s2


@st.composite
def similarity(draw):
    """A rigid motion with isotropic scale and optional reflection, as a point function."""
    angle = draw(st.floats(-math.pi, math.pi))
    scale = draw(st.floats(0.05, 20.0))
    tx, ty = draw(st.floats(-1e3, 1e3)), draw(st.floats(-1e3, 1e3))
    mirror = draw(st.booleans())
    c, s = math.cos(angle) * scale, math.sin(angle) * scale

    def apply(p):
        x, y = (-p[0], p[1]) if mirror else p
        return (c * x - s * y + tx, s * x + c * y + ty)

    return apply


def transform(lm: Landmarks, fn) -> Landmarks:
    return Landmarks(*(fn(p) for p in lm.points()))
