"""Per-run distribution plots (matplotlib SVG): a histogram and a box plot over clips per metric."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence


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
    fig, axes = plt.subplots(len(rows), 2, figsize=(8, 1.9 * len(rows)), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 2]})
    for (label, hib, values), (ax_h, ax_b) in zip(rows, axes):
        ax_h.hist(values, bins=min(30, max(5, len(values) // 3)), color="#4a78b5", edgecolor="white")
        ax_h.set_ylabel("clips")
        ax_h.set_xlabel(f"{label} {'↑' if hib else '↓'} per clip")
        ax_b.boxplot(values, vert=False, widths=0.6)
        ax_b.set_yticks([])
        ax_b.set_xlabel(f"{label} (n = {len(values)})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True
