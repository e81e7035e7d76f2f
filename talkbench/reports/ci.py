"""``talkbench table --ci``: each run cell gets its bootstrap interval (``cell.ci``) and shows it.

``pm`` prints ``value ± half-width`` (half the interval's width: the percentile interval need not
be symmetric, the exact bounds stay in the JSON format); ``interval`` prints ``value [lo, hi]``.
Published rows have no per-clip data and so no interval; a note says so.
"""

from __future__ import annotations

from typing import Iterable

from talkbench.errors import TalkbenchError
from talkbench.reports import naming as nm
from talkbench.reports.table import Table
from talkbench.stats import CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, run_cis

CI_STYLES = ("pm", "interval")


def add_cis(table: Table, records: Iterable[dict], style: str = "pm", *, n_resamples: int = DEFAULT_RESAMPLES,
            seed: int = DEFAULT_SEED) -> Table:
    if style not in CI_STYLES:
        raise TalkbenchError(f"unknown CI style {style!r}; choose one of {', '.join(CI_STYLES)}")
    if table.delta:
        raise TalkbenchError("--ci cannot be combined with --delta (a published number has no interval)")
    by_path = {r.get("_path"): r for r in records}
    cache: dict[str, dict] = {}
    missing: dict[str, str] = {}
    for row in table.rows:
        for col, cell in zip(table.columns, row.cells):
            if cell.status != "ok" or not cell.record or cell.record not in by_path:
                continue
            if cell.record not in cache:
                cache[cell.record] = run_cis(by_path[cell.record], n_resamples=n_resamples, seed=seed)
            ci = cache[cell.record].get(col.metric) or {"status": "unavailable", "reason": "not computed"}
            cell.ci = ci
            if ci["status"] != "ok":
                missing.setdefault(col.label, ci["reason"].splitlines()[0])
                continue
            k = nm.decimals(col.metric)
            if style == "pm":
                cell.text = f"{cell.text} ± {(ci['high'] - ci['low']) / 2:.{k}f}"
            else:
                cell.text = f"{cell.text} [{ci['low']:.{k}f}, {ci['high']:.{k}f}]"
    what = "± half-width of" if style == "pm" else "[lo, hi]:"
    table.notes.append(f"{what} the {CONFIDENCE:.0%} percentile-bootstrap interval over clips "
                       f"({n_resamples} resamples, seed {seed}; each resample aggregated as the metric aggregates).")
    if any(r.published for r in table.rows):
        table.notes.append("Published rows have no per-clip scores, so no interval.")
    table.notes += [f"{label}: no interval ({why})" for label, why in missing.items()]
    return table
