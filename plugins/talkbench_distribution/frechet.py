"""The Fréchet distance between two Gaussians fitted to feature sets, and feature transport.

Same arithmetic as pytorch-fid 0.3.0's ``calculate_frechet_distance`` (float64 statistics,
``np.cov(rowvar=False)``, scipy ``sqrtm`` of Σ1·Σ2, the ε·I retry when the product is
singular, the imaginary part dropped when negligible); tests pin the equality.
"""

from __future__ import annotations

import base64
from typing import Any, Mapping, Sequence

import numpy as np


def feature_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, covariance) of N×D features in float64; needs N ≥ 2."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"Fréchet statistics need at least 2 feature rows, got shape {x.shape}")
    return x.mean(axis=0), np.cov(x, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray,
                     eps: float = 1e-6) -> float:
    """d² = |μ1−μ2|² + Tr(Σ1 + Σ2 − 2·(Σ1Σ2)^½)."""
    from scipy import linalg  # here: the metric classes import this module when they are listed

    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"feature sets differ in size: {mu1.shape} vs {mu2.shape}")
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        # a nearly singular product (fewer samples than dimensions): regularise, as the reference
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Fréchet distance: imaginary component {np.max(np.abs(covmean.imag))}")
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def pack_features(x: np.ndarray) -> dict[str, Any]:
    """N×D float32 features as JSON-able base64 (exact; ~5.5 bytes per value)."""
    x = np.ascontiguousarray(x, dtype="<f4")
    return {"shape": list(x.shape), "dtype": "float32", "b64": base64.b64encode(x.tobytes()).decode()}


def unpack_features(packed: Mapping[str, Any]) -> np.ndarray:
    raw = base64.b64decode(packed["b64"])
    return np.frombuffer(raw, dtype="<f4").reshape(packed["shape"])


def corpus_distance(per_clip: Sequence[Mapping[str, Any]], gen_key: str = "features",
                    ref_key: str = "ref_features") -> dict[str, Any]:
    """FID/FVD of the pooled generated features against the pooled reference features."""
    gen = [unpack_features(r[gen_key]) for r in per_clip]
    ref = [unpack_features(r[ref_key]) for r in per_clip]
    gen_all, ref_all = np.concatenate(gen), np.concatenate(ref)
    if len(gen_all) < 2 or len(ref_all) < 2:
        return {"value": None, "n": int(len(gen_all)),
                "reason": "fewer than 2 feature rows: no covariance"}
    mu1, s1 = feature_stats(gen_all)
    mu2, s2 = feature_stats(ref_all)
    try:
        value = frechet_distance(mu1, s1, mu2, s2)
    except ValueError as exc:  # a complex square root: say so in the record, never a number
        return {"value": None, "n": int(len(gen_all)), "reason": str(exc)}
    out: dict[str, Any] = {"value": value, "n": int(len(gen_all)),
                           "n_reference": int(len(ref_all)), "n_clips": len(per_clip)}
    if len(gen_all) <= gen_all.shape[1]:
        out["warning"] = (f"{len(gen_all)} samples for {gen_all.shape[1]}-d features: the "
                          "covariance is rank-deficient and the distance is biased upwards")
    return out
