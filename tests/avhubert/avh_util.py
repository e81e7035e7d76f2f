"""Shared assertions for the AV-HuBERT tests."""

from __future__ import annotations

import numpy as np


def assert_close_rel(actual, expected, rel=1e-5, what=""):
    """max|a - e| <= rel · max|e| (relative to the tensor's scale), shapes equal."""
    a = np.asarray(actual.detach() if hasattr(actual, "detach") else actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    err = np.abs(a - e).max() / max(np.abs(e).max(), 1e-30)
    assert err <= rel, f"{what}: max relative error {err:.3g} > {rel}"
    return err
