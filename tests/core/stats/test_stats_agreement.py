"""reader_agreement: which readings count, pairwise reader ICC/Bland–Altman, model beside them."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from core.geometry import Landmarks
from core.stats import icc_2_1, reader_agreement, reader_pairs

LANDMARKS = Landmarks((50, 10), (30, 90), (70, 90), (28, 50), (72, 50))
NAMES = {1: "ann", 2: "ben", 3: "cai"}


def reading(image_id, annotator_id, si, status="approved", suggested=None, landmarks=LANDMARKS):
    return SimpleNamespace(
        image_id=image_id,
        annotator_id=annotator_id,
        annotator_name=NAMES[annotator_id],
        si=si,
        status=status,
        suggested=suggested,
        landmarks=landmarks,
    )


ANN = [0.50, 0.60, 0.70]
BEN = [0.52, 0.58, 0.74]


def two_reader_set():
    rows = [reading(i, 1, s) for i, s in enumerate(ANN, start=10)]
    rows += [reading(i, 2, s) for i, s in enumerate(BEN, start=10)]
    return rows


def test_two_readers_pair_figures():
    result = reader_agreement(two_reader_set())
    assert result.image_ids == (10, 11, 12)
    assert result.annotators == ("ann", "ben")
    assert result.n_readings == 6
    (pair,) = result.reader_pairs
    assert (pair.first, pair.second, pair.n) == ("ann", "ben", 3)
    # differences ann - ben: -0.02, +0.02, -0.04
    assert pair.bland_altman.bias == pytest.approx(-0.04 / 3)
    sd = np.std([-0.02, 0.02, -0.04], ddof=1)
    assert pair.bland_altman.high == pytest.approx(-0.04 / 3 + 1.96 * sd)
    assert pair.icc_2_1 == pytest.approx(icc_2_1(np.column_stack([ANN, BEN])))
    assert result.readers_icc_2_1 == pytest.approx(pair.icc_2_1)
    assert result.readers_n_complete == 3
    assert result.model_vs_readers == () and result.model_vs_reader_mean is None


def test_single_readings_drafts_and_missing_si_do_not_count():
    rows = [
        *two_reader_set(),
        reading(20, 1, 0.6),  # read once only
        reading(21, 1, 0.6),
        reading(21, 2, 0.7, status="draft"),  # status filtered out
        reading(22, 1, 0.6),
        reading(22, 2, None),  # no SI
    ]
    result = reader_agreement(rows)
    assert result.image_ids == (10, 11, 12)
    with_drafts = reader_agreement(rows, statuses=None)
    assert with_drafts.image_ids == (10, 11, 12, 21)


def test_unchanged_suggestions_are_left_out_and_counted():
    rows = two_reader_set()
    untouched = {name: True for name in ("apex", "hinge_a", "hinge_b", "w1", "w2")}
    rows.append(reading(13, 1, 0.6))
    rows.append(reading(13, 2, 0.61, suggested=untouched))
    moved = dict(untouched, apex=False)
    rows.append(reading(14, 1, 0.6))
    rows.append(reading(14, 2, 0.65, suggested=moved))
    result = reader_agreement(rows)
    assert result.n_excluded_suggested == 1
    assert result.image_ids == (10, 11, 12, 14)
    assert reader_agreement(rows, exclude_suggested=False).image_ids == (10, 11, 12, 13, 14)


def test_three_readers_pairs_and_complete_cases():
    rows = two_reader_set()
    rows += [reading(10, 3, 0.51), reading(11, 3, 0.61)]  # cai read two of the three
    result = reader_agreement(rows)
    assert result.annotators == ("ann", "ben", "cai")
    assert [(p.first, p.second, p.n) for p in result.reader_pairs] == [
        ("ann", "ben", 3),
        ("ann", "cai", 2),
        ("ben", "cai", 2),
    ]
    assert result.readers_n_complete == 2
    expected = icc_2_1([[0.50, 0.52, 0.51], [0.60, 0.58, 0.61]])
    assert result.readers_icc_2_1 == pytest.approx(expected)


def test_model_beside_the_readers():
    predictions = {
        10: {"si_regression": 0.50, "si_landmarks": 0.9},
        11: {"si_regression": 0.60},
        12: {"si_regression": 0.70, "si_landmarks": None},
    }
    result = reader_agreement(two_reader_set(), predictions)
    vs_ann, vs_ben = result.model_vs_readers
    assert (vs_ann.first, vs_ann.second) == ("model", "ann")
    assert vs_ann.icc_2_1 == pytest.approx(1.0)  # the model equals ann exactly
    assert vs_ann.bland_altman.bias == pytest.approx(0.0, abs=1e-12)
    assert vs_ben.bland_altman.bias == pytest.approx(-0.04 / 3)  # model - ben = ann - ben
    mean = result.model_vs_reader_mean
    assert mean.n == 3
    np.testing.assert_allclose(mean.bland_altman.diff, np.array(ANN) - (np.add(ANN, BEN) / 2))
    # the other SI key, missing for two images, uses only the image that has it
    other = reader_agreement(two_reader_set(), predictions, model_si_key="si_landmarks")
    assert [p.n for p in other.model_vs_readers] == [1, 1]
    assert math.isnan(other.model_vs_readers[0].icc_2_1)


def test_no_multiply_read_images():
    result = reader_agreement([reading(1, 1, 0.5), reading(2, 2, 0.6)], {1: {"si_regression": 1}})
    assert result.image_ids == () and result.reader_pairs == ()
    assert math.isnan(result.readers_icc_2_1)
    assert result.model_vs_readers == () and result.model_vs_reader_mean is None


def test_reader_pairs_takes_the_two_lowest_annotator_ids_per_image():
    rows = [reading(10, 3, 0.9), reading(10, 2, 0.7), reading(10, 1, 0.5), reading(11, 2, 0.6)]
    rows.append(reading(12, 2, 0.55))
    rows.append(reading(12, 3, 0.65, status="draft"))
    assert reader_pairs(rows) == [(0.5, 0.7), (0.55, 0.65)]
    assert reader_pairs(rows, statuses=("approved",)) == [(0.5, 0.7)]
    untouched = dict.fromkeys(("apex", "hinge_a", "hinge_b", "w1", "w2"), True)
    rows.append(reading(11, 3, 0.6, suggested=untouched))
    assert len(reader_pairs(rows)) == 2
