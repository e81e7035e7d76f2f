"""Paper-style reporting from run records: tables (Table 1 / ablations), figure strips, reports.

    from talkbench.reports import load_records, render_table
    print(render_table(load_records("results"), fmt="latex", paper=True))
"""

from __future__ import annotations

from typing import Iterable, Sequence

from talkbench.records import load_records  # re-exported: tables start from records
from talkbench.reports.paper import published_rows
from talkbench.reports.render import FORMATS, render
from talkbench.reports.selection import select_runs
from talkbench.reports.table import LAYOUTS, Table, build_table


def render_table(
    records: Iterable[dict], fmt: str = "latex", datasets: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None, models: Sequence[str] | None = None, layout: str = "table1",
    by: str | None = None, paper: bool = False, delta: bool = False, caption: str | None = None,
    label: str | None = None, split: str | None = None, latest: bool = True, standalone: bool = False,
    ci: str | None = None,
) -> str:
    """One table as text. ``fmt``: latex | markdown | csv | json; ``layout``: table1 | simple | ablation;
    ``ci``: None, "pm" (value ± half-width) or "interval" (value [lo, hi]), see reports.ci."""
    records = list(records)
    table = build_table(records, datasets=datasets, metrics=metrics, models=models, layout=layout, by=by,
                        paper=paper, delta=delta, caption=caption, label=label, split=split, latest=latest)
    if ci:
        from talkbench.reports.ci import add_cis

        add_cis(table, records, ci)
    return render(table, fmt, standalone=standalone)


__all__ = ["FORMATS", "LAYOUTS", "Table", "build_table", "load_records", "published_rows", "render",
           "render_table", "select_runs"]
