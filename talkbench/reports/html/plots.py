"""Per-run distribution plots (matplotlib SVG): per metric a histogram over clips with the
median and the interquartile range marked (a box plot's numbers, drawn on the histogram)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np


def write_run_plot(path: Path, metrics: Sequence[tuple[str, bool, list[float]]]) -> bool:
    """``metrics``: (label, higher_is_better, per-clip values). False when there is nothing to draw."""
    rows = [m for m in metrics if m[2]]
    if not rows:
        return False
    import matplotlib

    matplotlib.use("Agg")  # no display; never a GUI backend in a report
    import matplotlib.pyplot as plt

    # reproducible SVG text: fixed ids, no date
    plt.rcParams.update({"svg.hashsalt": "talkbench", "svg.fonttype": "none"})
    height = 1.7 * len(rows)
    fig, axes = plt.subplots(len(rows), 1, figsize=(7, height), squeeze=False)
    # fixed margins: tight_layout measures every tick label and dominated the report's run time
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.5 / height, top=1 - 0.15 / height, hspace=0.9)
    for (label, hib, values), (ax,) in zip(rows, axes):
        v = np.asarray(values, dtype=float)
        q1, med, q3 = np.percentile(v, [25, 50, 75])
        ax.hist(v, bins=min(30, max(5, len(v) // 3)), color="#4a78b5", edgecolor="white")
        ax.axvspan(q1, q3, color="#f0a030", alpha=0.18, lw=0)
        ax.axvline(med, color="#c0392b", lw=1.5)
        ax.set_ylabel("clips")
        ax.set_xlabel(f"{label} {'↑' if hib else '↓'} per clip (n = {len(v)}; median {med:.3g}, "
                      f"shaded: quartiles {q1:.3g}–{q3:.3g})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True
