"""Model versus reference SI: the paired points the comparison panel plots and measures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.model_si import model_si, run_si_kind
from core.stats import AGREEMENT_STATUSES, reader_agreement, reader_pairs, regression_metrics
from core.store import Project


@dataclass(frozen=True)
class ComparisonPoints:
    """Paired model and reference SI with what colours and shapes each point."""

    image_ids: np.ndarray
    model_si: np.ndarray  # NaN where the prediction gives no model SI
    reference_si: np.ndarray
    sources: list[str]
    splits: list[str | None]


def comparison_points(
    project: Project, run_id: int, *, split: str | None = None
) -> ComparisonPoints:
    """Images that have both a reference SI and a prediction of `run_id` (one split, or all)."""
    run = project.run(run_id)
    kind = run_si_kind(run)
    predictions = project.predictions(run_id)
    references = project.reference_si_map()
    ids = sorted(set(predictions) & set(references))
    infos = project.images(ids)  # one batched read, not one transaction per image
    if split is not None:
        ids = [i for i in ids if infos[i].split == split]
    values = [model_si(predictions[i], kind) for i in ids]
    model = [np.nan if v is None else v for v in values]
    return ComparisonPoints(
        image_ids=np.asarray(ids, dtype=np.int64),
        model_si=np.asarray(model, dtype=float),
        reference_si=np.asarray([references[i] for i in ids], dtype=float),
        sources=[infos[i].source for i in ids],
        splits=[infos[i].split for i in ids],
    )


def agreement_metrics(project, run_id: int | None) -> tuple[dict, dict]:
    """(reader vs reader, model vs reader mean) metrics on images read by two or more annotators.

    Readings that accepted a model suggestion unchanged are left out (core.stats decides); the
    model side is empty without a run. Each dict holds only what could be computed.
    """
    readings = project.readings()
    pairs = reader_pairs(readings, statuses=AGREEMENT_STATUSES)
    readers: dict = {}
    if len(pairs) >= 2:
        a, b = np.asarray(pairs, dtype=float).T
        readers = dict(regression_metrics(a, b))
    predictions = _model_predictions(project, run_id)
    agreement = reader_agreement(readings, predictions, model_si_key="si")
    if agreement.image_ids:
        readers["icc_2_1"] = agreement.readers_icc_2_1
        readers["n"] = len(agreement.image_ids)
    model: dict = {}
    pair = agreement.model_vs_reader_mean
    if pair is not None and pair.n >= 2:
        ba = pair.bland_altman
        model = {"n": pair.n, "icc_2_1": pair.icc_2_1, "bias": ba.bias}
        model.update(loa_low=ba.low, loa_high=ba.high)
    return readers, model


def _model_predictions(project, run_id: int | None) -> dict[int, dict] | None:
    if run_id is None:
        return None
    kind = run_si_kind(project.run(run_id))
    predictions = project.predictions(run_id)
    return {i: {"si": model_si(p, kind)} for i, p in predictions.items()}
