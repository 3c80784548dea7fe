"""The reference SI (ground truth): which readings define an image's label and how they combine.

An image's reference SI is the mean SI of its approved readings (with `include_submitted`, of
its submitted readings too); its reference landmarks are those readings' mean positions. The
store computes the mean in SQL (`reference_si_map`) over exactly `reference_statuses`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.geometry import Landmarks
from core.vocab import ReadingStatus


def reference_statuses(include_submitted: bool = False) -> tuple[ReadingStatus, ...]:
    """The reading statuses whose readings make an image's reference SI."""
    return ("approved", "submitted") if include_submitted else ("approved",)


def mean_landmarks(landmarks: Sequence[Landmarks]) -> Landmarks:
    """The mean of several readings' landmarks, point by point (the reference landmarks)."""
    if not landmarks:
        raise ValueError("no landmarks to average")
    mean = np.mean([np.asarray(lm.points(), dtype=float) for lm in landmarks], axis=0)
    return Landmarks(*[(float(x), float(y)) for x, y in mean])
