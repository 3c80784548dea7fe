"""Distance from the training distribution: Mahalanobis distance of pooled backbone features.

A run stores the mean and a shrinkage (Ledoit-Wolf) precision matrix of the pooled layer4
features of its training frames, as the prediction path sees them, and a limit: a high
quantile of the distances of its validation frames (none with fewer than 20 of them). A frame
beyond the limit looks unlike anything the model learned from, whatever its passes say.
"""

from __future__ import annotations

import math

import numpy as np
import torch

LIMIT_QUANTILE = 0.99
MIN_LIMIT_FRAMES = 20  # fewer validation frames than this: no limit (no distance flag)
MAX_FIT_FRAMES = 500  # training frames the statistics are fitted on (a sample of larger sets)


def ledoit_wolf(x: np.ndarray) -> tuple[np.ndarray, float]:
    """(shrunk covariance, shrinkage) of centred rows x (n, p), towards a scaled identity.

    The Ledoit-Wolf (2004) estimate: well conditioned even with fewer frames than features.
    """
    n, p = x.shape
    x2 = x**2
    var_trace = x2.sum(axis=0) / n
    mu = var_trace.sum() / p
    emp = x.T @ x / n
    beta_sum = float((x2.T @ x2).sum())
    delta_sum = float((emp**2).sum())
    beta = (beta_sum / n - delta_sum) / (p * n)
    delta = (delta_sum - 2 * mu * var_trace.sum() + p * mu**2) / p
    shrinkage = 0.0 if delta <= 0 else float(min(beta, delta) / delta)
    cov = (1 - shrinkage) * emp
    cov[np.diag_indices(p)] += shrinkage * mu
    return cov, shrinkage


def fit_feature_stats(train: np.ndarray, held_out: np.ndarray | None = None) -> dict:
    """Mean, precision and distance limit from training features (n, p) and, for the limit,
    held-out (validation) features; checkpoint-ready (tensors and plain numbers)."""
    train = np.asarray(train, dtype=np.float64)
    mean = train.mean(axis=0)
    cov, shrinkage = ledoit_wolf(train - mean)
    precision = np.linalg.pinv(cov, hermitian=True)
    stats = {
        "mean": torch.from_numpy(mean.astype(np.float32)),
        "precision": torch.from_numpy(precision.astype(np.float32)),
        "n_frames": int(train.shape[0]),
        "shrinkage": shrinkage,
        "quantile": LIMIT_QUANTILE,
    }
    if held_out is not None and len(held_out) >= MIN_LIMIT_FRAMES:
        stats["limit"] = float(np.quantile(mahalanobis(stats, held_out), LIMIT_QUANTILE))
        stats["limit_from"] = "validation"
    else:
        # Training frames' own distances are far smaller than new frames' (thousands of
        # features, hundreds of frames): a limit from them flagged every held-out phantom
        # of a 120-phantom run. Without enough validation frames, no flag; distances stay.
        stats["limit"] = None  # JSON-safe (the run's metrics hold it too)
        stats["limit_from"] = "none (too few validation frames)"
    return stats


def mahalanobis(stats: dict | None, features: np.ndarray) -> np.ndarray:
    """Distances of feature rows (n, p) from the stats' training distribution (NaN without)."""
    features = np.atleast_2d(np.asarray(features, dtype=np.float64))
    if not stats:
        return np.full(len(features), math.nan)
    d = features - stats["mean"].double().numpy()
    q = np.einsum("ij,jk,ik->i", d, stats["precision"].double().numpy(), d)
    return np.sqrt(np.maximum(q, 0.0))


def summary(stats: dict | None) -> dict:
    """The stats without their matrices (for the run's metrics)."""
    if not stats:
        return {}
    return {k: v for k, v in stats.items() if not isinstance(v, torch.Tensor)}
