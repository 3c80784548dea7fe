"""core.reference: the statuses behind the reference SI, mean landmarks; the spacing fallback."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.geometry import UNKNOWN_SPACING, Landmarks, Spacing, spacing_or_unknown
from core.reference import mean_landmarks, reference_statuses


def test_reference_statuses():
    assert reference_statuses() == ("approved",)
    assert set(reference_statuses(include_submitted=True)) == {"approved", "submitted"}


coordinate = st.floats(-500, 500, allow_nan=False)
landmarks = st.builds(
    lambda v: Landmarks(*[(v[2 * i], v[2 * i + 1]) for i in range(5)]),
    st.lists(coordinate, min_size=10, max_size=10),
)


@given(st.lists(landmarks, min_size=1, max_size=5))
def test_mean_landmarks_is_the_pointwise_mean(readings):
    mean = mean_landmarks(readings)
    for k, (x, y) in enumerate(mean.points()):
        xs = [r.points()[k][0] for r in readings]
        ys = [r.points()[k][1] for r in readings]
        assert x == pytest.approx(sum(xs) / len(xs), abs=1e-9)
        assert y == pytest.approx(sum(ys) / len(ys), abs=1e-9)
    assert mean_landmarks([readings[0]]) == readings[0]


def test_mean_of_nothing_is_refused():
    with pytest.raises(ValueError):
        mean_landmarks([])


def test_unknown_spacing_is_square_one_mm_pixels():
    assert Spacing(1.0, 1.0) == UNKNOWN_SPACING
    assert spacing_or_unknown(None) is UNKNOWN_SPACING
    known = Spacing(0.7, 0.8)
    assert spacing_or_unknown(known) is known
