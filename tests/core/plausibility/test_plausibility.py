"""Plausibility of a reading: annulus, long axis and SI limits, each named in the reasons."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.geometry import GeometryError, Landmarks, Spacing
from core.plausibility import ANNULUS_MM, LONG_AXIS_MM, SI_RANGE, plausibility_problems

SPACING = Spacing(1.6, 1.4)


def _heart(annulus_mm=28.0, length_mm=85.0, width_mm=48.0, spacing=SPACING, turn=0.0):
    """Landmarks of given sizes (mm), long axis turned by `turn` radians, in pixels of spacing."""
    c, s = math.cos(turn), math.sin(turn)

    def px(u, v):  # u across, v along the axis from the hinge midpoint toward the apex, in mm
        x_mm, y_mm = 100.0 + c * u - s * v, 150.0 + s * u + c * v
        return (x_mm / spacing.col_mm, y_mm / spacing.row_mm)

    level = 0.5 * length_mm
    return Landmarks(
        apex=px(0.0, length_mm),
        hinge_a=px(-annulus_mm / 2, 0.0),
        hinge_b=px(annulus_mm / 2, 0.0),
        w1=px(-width_mm / 2, level),
        w2=px(width_mm / 2, level),
    )


def test_a_typical_heart_has_no_problems():
    assert plausibility_problems(_heart(), SPACING) == []


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ({"annulus_mm": 5.3}, "mitral annulus (hinge A to B) 5.3 mm is under 15 mm"),
        ({"annulus_mm": 55.0}, "mitral annulus (hinge A to B) 55.0 mm is over 50 mm"),
        ({"length_mm": 35.0, "width_mm": 20.0}, "long axis 35.0 mm is under 40 mm"),
        ({"length_mm": 150.0, "width_mm": 60.0}, "long axis 150.0 mm is over 140 mm"),
        ({"width_mm": 20.0}, "SI 0.24 is under 0.3"),
        ({"width_mm": 90.0}, "SI 1.06 is over 1"),
    ],
)
def test_each_limit_is_named_with_the_value(sizes, expected):
    assert plausibility_problems(_heart(**sizes), SPACING) == [expected]


def test_every_problem_is_listed():
    problems = plausibility_problems(_heart(annulus_mm=4.0, length_mm=30.0, width_mm=40.0), SPACING)
    assert [p.split()[0] for p in problems] == ["mitral", "long", "SI"]


def test_degenerate_landmarks_raise_as_everywhere():
    lm = _heart()
    with pytest.raises(GeometryError):
        plausibility_problems(lm.replace(hinge_b=lm.hinge_a), SPACING)


@given(
    annulus=st.floats(5.0, 70.0),
    length=st.floats(30.0, 160.0),
    si=st.floats(0.2, 1.2),
    row_mm=st.floats(0.5, 3.0),
    col_mm=st.floats(0.5, 3.0),
    turn=st.floats(-math.pi, math.pi),
)
def test_problems_follow_the_limits_in_mm_for_any_spacing_and_turn(
    annulus, length, si, row_mm, col_mm, turn
):
    spacing = Spacing(row_mm, col_mm)
    problems = plausibility_problems(_heart(annulus, length, si * length, spacing, turn), spacing)
    margin = 1e-6  # values built exactly on a limit may land either side after the mm round trip
    for name, value, (low, high) in (
        ("mitral", annulus, ANNULUS_MM),
        ("long", length, LONG_AXIS_MM),
        ("SI", si, SI_RANGE),
    ):
        flagged = any(p.startswith(name) for p in problems)
        if value < low - margin * high or value > high * (1 + margin):
            assert flagged
        elif low + margin * high < value < high * (1 - margin):
            assert not flagged
