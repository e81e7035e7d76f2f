"""The ``cpbd`` 1.0.7 package as a test oracle: it imports ``scipy.ndimage.imread`` (removed in
SciPy 1.2) at module level, used only by its command line; a placeholder lets it import."""

from __future__ import annotations

import scipy.ndimage


def reference_cpbd():
    if not hasattr(scipy.ndimage, "imread"):
        scipy.ndimage.imread = None  # never called: only the package's __main__ reads files
    from cpbd.compute import compute

    return compute
