"""Agreement statistics: regression metrics, Bland–Altman limits, ICC(2,1) and reader agreement.

numpy, and scipy's F distribution for the ICC interval. Paired inputs drop pairs where either
value is missing (None/NaN/inf), so a metric is always computed on the pairs that exist and
``n`` says how many there were. A statistic that is undefined for the data (fewer than two
pairs, no variance) is NaN, never an exception.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from core.suggestion import suggestion_unchanged

LOA_Z = 1.96  # Bland–Altman 95 % limits of agreement: bias ± 1.96 SD of the differences
AGREEMENT_STATUSES = ("submitted", "approved")


# --- paired metrics ---------------------------------------------------------------------------


def paired_finite(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Two 1-D float arrays of equal length, keeping only pairs where both values are finite."""
    x = np.asarray([np.nan if v is None else v for v in np.ravel(a)], dtype=np.float64)
    y = np.asarray([np.nan if v is None else v for v in np.ravel(b)], dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"paired values differ in length: {x.size} and {y.size}")
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def pearson_r(a, b) -> float:
    """Pearson correlation of the finite pairs; NaN with fewer than two pairs or no variance."""
    x, y = paired_finite(a, b)
    if x.size < 2:
        return math.nan
    dx, dy = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if denominator == 0.0:
        return math.nan
    return float(np.clip((dx @ dy) / denominator, -1.0, 1.0))


@dataclass(frozen=True)
class BlandAltman:
    """Bland–Altman analysis of a − b: per-pair means and differences, bias and 95 % limits.

    Iterating yields ``(bias, low, high)``, so ``bias, low, high = bland_altman(a, b)`` works.
    """

    mean: np.ndarray
    diff: np.ndarray
    bias: float
    low: float
    high: float

    @property
    def n(self) -> int:
        return int(self.diff.size)

    def __iter__(self) -> Iterator[float]:
        return iter((self.bias, self.low, self.high))


def bland_altman(a, b) -> BlandAltman:
    """Bland–Altman of a − b over the finite pairs: bias = mean difference, limits bias ± 1.96 SD.

    The SD uses ddof=1; with one pair the limits are NaN, with none the bias is NaN too.
    """
    x, y = paired_finite(a, b)
    diff = x - y
    bias = float(diff.mean()) if diff.size else math.nan
    sd = float(diff.std(ddof=1)) if diff.size >= 2 else math.nan
    return BlandAltman(
        mean=(x + y) / 2.0, diff=diff, bias=bias, low=bias - LOA_Z * sd, high=bias + LOA_Z * sd
    )


def regression_metrics(pred, ref) -> dict[str, float | int]:
    """Model-versus-reference metrics over the finite pairs.

    Keys: n, mse, rmse, mae, pearson_r, r2 (1 − SS_res/SS_tot with SS_tot around the mean of
    ref), bias (mean pred − ref), loa_low, loa_high (bias ± 1.96 SD, ddof=1), icc_2_1 (pred and
    ref as two raters).
    """
    p, r = paired_finite(pred, ref)
    n = int(p.size)
    err = p - r
    mse = float(np.mean(err**2)) if n else math.nan
    ss_tot = float(np.sum((r - r.mean()) ** 2)) if n else 0.0
    ba = bland_altman(p, r)
    return {
        "n": n,
        "mse": mse,
        "rmse": math.sqrt(mse) if n else math.nan,
        "mae": float(np.mean(np.abs(err))) if n else math.nan,
        "pearson_r": pearson_r(p, r),
        "r2": 1.0 - float(np.sum(err**2)) / ss_tot if ss_tot > 0 else math.nan,
        "bias": ba.bias,
        "loa_low": ba.low,
        "loa_high": ba.high,
        "icc_2_1": icc_2_1(np.column_stack([p, r])) if n else math.nan,
    }


# --- ICC(2,1) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MeanSquares:
    n: int  # subjects
    k: int  # raters
    bms: float  # between subjects (rows)
    jms: float  # between raters (columns)
    ems: float  # residual


def _mean_squares(matrix) -> _MeanSquares | None:
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"ICC needs a subjects × raters matrix, got shape {m.shape}")
    m = m[np.all(np.isfinite(m), axis=1)]  # complete cases only
    n, k = m.shape
    if n < 2 or k < 2:
        return None
    grand = m.mean()
    ss_rows = k * float(np.sum((m.mean(axis=1) - grand) ** 2))
    ss_cols = n * float(np.sum((m.mean(axis=0) - grand) ** 2))
    ss_err = float(np.sum((m - grand) ** 2)) - ss_rows - ss_cols
    return _MeanSquares(
        n, k, ss_rows / (n - 1), ss_cols / (k - 1), max(ss_err, 0.0) / ((n - 1) * (k - 1))
    )


def icc_2_1(matrix) -> float:
    """Shrout & Fleiss ICC(2,1): two-way random effects, absolute agreement, single rater.

    ``matrix`` is n_subjects × k_raters; rows with a missing value are left out. NaN when fewer
    than two complete rows or two raters remain, or when the data have no variance at all.
    """
    ms = _mean_squares(matrix)
    if ms is None:
        return math.nan
    denominator = ms.bms + (ms.k - 1) * ms.ems + ms.k * (ms.jms - ms.ems) / ms.n
    if denominator <= 0.0:
        return math.nan
    return float((ms.bms - ms.ems) / denominator)


def icc_ci(matrix, confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of ICC(2,1) (McGraw & Wong 1996, Satterthwaite degrees of freedom).

    (NaN, NaN) where the approximation does not hold: ICC <= 0 (its variance-component weights
    turn negative and the bounds stop bracketing the estimate), ICC = 1, or no residual variance.
    """
    ms = _mean_squares(matrix)
    icc = icc_2_1(matrix)
    if ms is None or not (0.0 < icc < 1.0) or ms.ems <= 0.0:
        return (math.nan, math.nan)
    n, k = ms.n, ms.k
    alpha = 1.0 - confidence
    a = k * icc / (n * (1.0 - icc))
    b = 1.0 + k * icc * (n - 1) / (n * (1.0 - icc))
    v_num = (a * ms.jms + b * ms.ems) ** 2
    v_den = (a * ms.jms) ** 2 / (k - 1) + (b * ms.ems) ** 2 / ((n - 1) * (k - 1))
    v = v_num / v_den
    from scipy.stats import f as f_distribution  # imported here: only the interval needs it

    f_low = float(f_distribution.ppf(1.0 - alpha / 2.0, n - 1, v))
    f_high = float(f_distribution.ppf(1.0 - alpha / 2.0, v, n - 1))
    low = (
        n
        * (ms.bms - f_low * ms.ems)
        / (f_low * (k * ms.jms + (k * n - k - n) * ms.ems) + n * ms.bms)
    )
    high = (
        n
        * (f_high * ms.bms - ms.ems)
        / (k * ms.jms + (k * n - k - n) * ms.ems + n * f_high * ms.bms)
    )
    return (float(low), float(high))


# --- reader agreement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of two raters (two annotators, or the model and an annotator) on shared images."""

    first: str
    second: str
    image_ids: tuple[int, ...]
    icc_2_1: float
    icc_ci: tuple[float, float]
    bland_altman: BlandAltman  # first − second

    @property
    def n(self) -> int:
        return len(self.image_ids)


@dataclass(frozen=True)
class ReaderAgreement:
    """Inter-reader agreement on images with two or more readings, and the model beside it."""

    image_ids: tuple[int, ...]  # images with >= 2 eligible readings
    annotators: tuple[str, ...]
    n_readings: int  # eligible readings on those images
    n_excluded_suggested: int  # readings left out as unchanged model suggestions
    readers_icc_2_1: float  # all annotators together, on the images every one of them read
    readers_icc_ci: tuple[float, float]
    readers_n_complete: int
    reader_pairs: tuple[PairAgreement, ...] = ()
    model_vs_readers: tuple[PairAgreement, ...] = ()
    model_vs_reader_mean: PairAgreement | None = None


def reader_pairs(
    readings: Iterable,
    *,
    statuses: Iterable[str] | None = None,
    exclude_suggested: bool = True,
) -> list[tuple[float, float]]:
    """(SI of the first reader, SI of the second) for each image read by two or more annotators.

    "First" and "second" are the two lowest annotator ids on that image, so the pairing does not
    depend on the order readings arrive in. Same eligibility rules as reader_agreement.
    """
    si_by_image, _, _ = _eligible_si(readings, statuses, exclude_suggested)
    pairs = []
    for image_id in sorted(si_by_image):
        by_reader = si_by_image[image_id]
        if len(by_reader) >= 2:
            first, second = sorted(by_reader)[:2]
            pairs.append((by_reader[first], by_reader[second]))
    return pairs


def _eligible_si(readings, statuses, exclude_suggested):
    allowed = None if statuses is None else set(statuses)
    si_by_image: dict[int, dict[int, float]] = defaultdict(dict)
    names: dict[int, str] = {}
    excluded = 0
    for r in readings:
        if (allowed is not None and r.status not in allowed) or not _finite(r.si):
            continue
        if exclude_suggested and suggestion_unchanged(r.suggested, r.landmarks):
            excluded += 1
            continue
        si_by_image[r.image_id][r.annotator_id] = float(r.si)
        names[r.annotator_id] = r.annotator_name or f"annotator {r.annotator_id}"
    return si_by_image, names, excluded


def reader_agreement(
    readings: Iterable,
    predictions: Mapping[int, Mapping] | None = None,
    *,
    statuses: Iterable[str] | None = AGREEMENT_STATUSES,
    model_si_key: str = "si_regression",
    exclude_suggested: bool = True,
) -> ReaderAgreement:
    """Inter-reader ICC(2,1) and Bland–Altman, with model-versus-reader agreement beside them.

    ``readings`` are ReadingInfo-like objects (image_id, annotator_id, annotator_name, si, status,
    landmarks, suggested); only those with a status in ``statuses`` (None: any) and a finite SI
    count, and readings that accepted a model suggestion unchanged are left out (they would make
    the model agree with itself). ``predictions`` maps image id to a prediction dict; its
    ``model_si_key`` value is the model SI.
    """
    si_by_image, names, excluded = _eligible_si(readings, statuses, exclude_suggested)
    image_ids = tuple(sorted(i for i, by in si_by_image.items() if len(by) >= 2))
    reader_ids = sorted({a for i in image_ids for a in si_by_image[i]})
    matrix = np.array(
        [[si_by_image[i].get(a, np.nan) for a in reader_ids] for i in image_ids], dtype=np.float64
    ).reshape(len(image_ids), len(reader_ids))
    complete = int(np.all(np.isfinite(matrix), axis=1).sum()) if matrix.size else 0
    reader_pairs = tuple(
        _pair(names[a], names[b], image_ids, matrix[:, ia], matrix[:, ib])
        for (ia, a), (ib, b) in combinations(enumerate(reader_ids), 2)
    )
    model_pairs, model_mean = _model_pairs(
        predictions, model_si_key, image_ids, reader_ids, names, matrix
    )
    return ReaderAgreement(
        image_ids=image_ids,
        annotators=tuple(names[a] for a in reader_ids),
        n_readings=int(np.isfinite(matrix).sum()),
        n_excluded_suggested=excluded,
        readers_icc_2_1=icc_2_1(matrix) if matrix.size else math.nan,
        readers_icc_ci=icc_ci(matrix) if matrix.size else (math.nan, math.nan),
        readers_n_complete=complete,
        reader_pairs=tuple(p for p in reader_pairs if p.n),
        model_vs_readers=model_pairs,
        model_vs_reader_mean=model_mean,
    )


def _model_pairs(predictions, key, image_ids, reader_ids, names, matrix):
    if not predictions or not image_ids:
        return (), None
    model = np.array([_prediction_si(predictions.get(i), key) for i in image_ids], dtype=np.float64)
    pairs = tuple(
        p
        for ia, a in enumerate(reader_ids)
        if (p := _pair("model", names[a], image_ids, model, matrix[:, ia])).n
    )
    reader_mean = np.nanmean(matrix, axis=1)  # every row has >= 2 readings, so never all-NaN
    mean_pair = _pair("model", "reader mean", image_ids, model, reader_mean)
    return pairs, (mean_pair if mean_pair.n else None)


def _pair(first: str, second: str, image_ids, x: np.ndarray, y: np.ndarray) -> PairAgreement:
    both = np.isfinite(x) & np.isfinite(y)
    x, y = x[both], y[both]
    two_raters = np.column_stack([x, y])
    return PairAgreement(
        first=first,
        second=second,
        image_ids=tuple(i for i, keep in zip(image_ids, both, strict=True) if keep),
        icc_2_1=icc_2_1(two_raters),
        icc_ci=icc_ci(two_raters),
        bland_altman=bland_altman(x, y),
    )


def _prediction_si(prediction: Mapping | None, key: str) -> float:
    value = None if prediction is None else prediction.get(key)
    return float(value) if value is not None and _finite(value) else math.nan


def _finite(value) -> bool:
    return isinstance(value, int | float | np.floating | np.integer) and math.isfinite(value)
