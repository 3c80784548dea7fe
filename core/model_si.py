"""The model SI of a stored prediction: one rule for the window, the export and the model.

A run records which of its two SI estimates validated better (its `model_si_kind`). Where a
prediction is flagged (model.infer.plausibility_flags: the passes disagree, the apex or hinge
maps are flat, the SI is out of range) its landmarks are not to be trusted, so the SI from them
gives way to the regression head, which reads the same crop but needs no point placed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from core.vocab import SI_KINDS, SIKind

if TYPE_CHECKING:
    from core.store.records import RunInfo

# Limits of a trustworthy prediction (model.infer.plausibility_flags flags beyond them; the
# worklist's acquisition score, core.acquisition, scales each signal to 1 at its limit).
# Between the last two passes on 150 held-out phantom frames (default run, validation split)
# the LV centre moved 0.4 mm (median; 95th percentile 1.0 mm) and the axis turned 0.3 degrees
# (95th percentile 1.2): the limits are about 4x the 95th percentiles. Measured with
# tests/benchmarks/bench_model_passes.py.
MAX_CENTRE_SHIFT_MM = 5.0
MAX_AXIS_TURN_DEG = 5.0
MIN_AXIS_CONFIDENCE = 0.05  # softmax mass near the apex and hinge estimates
# Outside: not an LV in a long-axis view, or landmarks misplaced.
PREDICTION_SI_RANGE = (0.3, 1.05)


def prediction_flags(row: Mapping | None) -> list[str]:
    """The flags stored with a prediction row (inside its confidence), [] when none."""
    confidence = (row or {}).get("confidence") or {}
    return list(confidence.get("flags") or [])


def run_si_kind(run: RunInfo | None) -> SIKind | None:
    """A run's model SI estimate, "landmarks" or "regression" (the one that validated better).

    Read from the run row, else from its metrics (where the trainer also records it); None
    when neither holds a word of the vocabulary.
    """
    if run is None:
        return None
    kind = run.model_si_kind or (run.metrics or {}).get("model_si_kind")
    return kind if kind in SI_KINDS else None


def model_si_field(kind: SIKind | None, flags=()) -> str:
    """ "si_landmarks" or "si_regression": where the model SI of a prediction comes from."""
    return "si_landmarks" if kind == "landmarks" and not flags else "si_regression"


def model_si(row: Mapping | None, kind: SIKind | None) -> float | None:
    """The run's model SI from a prediction row (si_regression, si_landmarks, confidence)."""
    if not row:
        return None
    value = row.get(model_si_field(kind, prediction_flags(row)))
    return float(value) if value is not None and math.isfinite(value) else None
