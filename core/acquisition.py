"""The acquisition score of a prediction: how unsure the model is of one image, and why.

The worklist (core.worklist) puts the images with the highest score first. The score is made of
signals every prediction already carries (no extra model pass), each scaled so that 1.0 sits
where model.infer starts to flag a prediction (the limits in core.model_si), then capped at
TERM_CAP so that one broken signal cannot hide the others:

- "heads": the SI head and the SI from landmarks disagree: |si_regression − si_landmarks| /
  HEADS_GAP_SI (0.05 SI, the error issue 15 calls large);
- "passes": the refining passes disagree: the larger of the LV centre shift / MAX_CENTRE_SHIFT_MM
  and the axis turn / MAX_AXIS_TURN_DEG;
- "confidence": the heatmaps are flat: MIN_AXIS_CONFIDENCE / the lowest confidence of the apex
  and the hinge points;
- "distance": the frame is unlike the training frames: the feature distance / the run's limit
  (model.ood; no term for runs without a limit);
- "si_range": the SI from landmarks lies outside PREDICTION_SI_RANGE (1.0 when it does).

score = the sum of the terms (signals that agree add up); why = the largest term. A prediction
lacking a signal (older rows) is scored on the ones it has; None when it has none.
Test-time augmentation is not used: it would cost one more model pass per variant, and it has
not been measured against these signals (tests/benchmarks/bench_worklist.py, at the only scale
run so far, shows no difference from random order for these either).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, get_args

from core.model_si import (
    MAX_AXIS_TURN_DEG,
    MAX_CENTRE_SHIFT_MM,
    MIN_AXIS_CONFIDENCE,
    PREDICTION_SI_RANGE,
    prediction_flags,
)

AcquisitionTerm = Literal["heads", "passes", "confidence", "distance", "si_range"]
ACQUISITION_TERMS: tuple[AcquisitionTerm, ...] = get_args(AcquisitionTerm)
# Bump when the formula changes: stored scores of another version are recomputed when read.
ACQUISITION_VERSION = 1
HEADS_GAP_SI = 0.05
TERM_CAP = 5.0
AXIS_POINTS = ("apex", "hinge_a", "hinge_b")  # the landmarks the long axis hangs on


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def acquisition_terms(row: Mapping, distance_limit: float | None = None) -> dict[str, float]:
    """The scaled signals of a stored prediction row (the fields of Project.predictions)."""
    confidence = row.get("confidence") or {}
    terms: dict[str, float] = {}
    si_reg, si_lm = _finite(row.get("si_regression")), _finite(row.get("si_landmarks"))
    if si_reg is not None and si_lm is not None:
        terms["heads"] = abs(si_reg - si_lm) / HEADS_GAP_SI
    shift, turn = (
        _finite(confidence.get("centre_shift_mm")),
        _finite(confidence.get("axis_turn_deg")),
    )
    if shift is not None and turn is not None:
        terms["passes"] = max(shift / MAX_CENTRE_SHIFT_MM, turn / MAX_AXIS_TURN_DEG)
    axis_conf = [_finite(confidence.get(name)) for name in AXIS_POINTS]
    if all(c is not None for c in axis_conf):
        lowest = min(c for c in axis_conf if c is not None)
        terms["confidence"] = MIN_AXIS_CONFIDENCE / max(lowest, 1e-6)
    distance, limit = _finite(confidence.get("feature_distance")), _finite(distance_limit)
    if distance is not None and limit is not None and limit > 0:
        terms["distance"] = distance / limit
    if si_lm is not None:
        low, high = PREDICTION_SI_RANGE
        terms["si_range"] = 0.0 if low <= si_lm <= high else 1.0
    elif isinstance(row.get("si_landmarks"), float):
        terms["si_range"] = 1.0  # NaN or infinite: no LV could be measured from the landmarks
    return {name: round(min(max(v, 0.0), TERM_CAP), 4) for name, v in terms.items()}


def acquisition(row: Mapping, distance_limit: float | None = None) -> dict | None:
    """{"score", "why", "terms", "flagged", "version"} of a prediction row; None without signals.

    `distance_limit` is the run's feature-distance limit (run_distance_limit).
    """
    terms = acquisition_terms(row, distance_limit)
    if not terms:
        return None
    why = max(ACQUISITION_TERMS, key=lambda t: (terms.get(t, -1.0), -ACQUISITION_TERMS.index(t)))
    return {
        "score": round(sum(terms.values()), 4),
        "why": why,
        "terms": terms,
        "flagged": bool(prediction_flags(row)),
        "version": ACQUISITION_VERSION,
    }


def run_distance_limit(metrics: Mapping | None) -> float | None:
    """A run's feature-distance limit (model.ood, kept in its metrics), None when it has none."""
    stats = (metrics or {}).get("feature_stats") or {}
    return _finite(stats.get("limit"))


def current(stored: Mapping | None) -> bool:
    """Whether a stored acquisition was computed by this version of the formula."""
    return bool(stored) and (stored or {}).get("version") == ACQUISITION_VERSION


WHY_TEXT: dict[str, str] = {
    "heads": "the SI head and the SI from landmarks disagree",
    "passes": "the refining passes disagree on the LV centre or axis",
    "confidence": "flat heatmaps at the apex or the mitral hinges",
    "distance": "unlike the frames the model learned from",
    "si_range": "the SI from landmarks is out of range",
}


def explain(stored: Mapping) -> str:
    """The reason of a score in words, e.g. "the SI head and ... disagree (2.3x the limit)"."""
    why = stored.get("why")
    value = (stored.get("terms") or {}).get(why)
    text = WHY_TEXT.get(str(why), str(why))
    return text if value is None or why == "si_range" else f"{text} ({value:.1f}x its limit)"
