"""The table model: columns (dataset × metric), rows (GT, ours, published), cells, ranking marks.

Renderers (LaTeX, Markdown, CSV, JSON) only format this model, so every format shows the same
numbers, marks and N/A cells.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from talkbench.errors import TalkbenchError
from talkbench.protocols import caption_note
from talkbench.reports import footnotes as fn
from talkbench.reports import naming as nm
from talkbench.reports.paper import PublishedRow, published_rows
from talkbench.reports.selection import option_of, select_runs

LAYOUTS = ("table1", "simple", "ablation")
DAGGER_NOTE = "published in the SyncDiff paper (results/paper), shown for comparison, not re-run"


@dataclass
class Column:
    dataset: str
    metric: str
    label: str
    higher_is_better: bool
    note: str | None = None  # e.g. "demo SyncNet": the number is not the paper's protocol
    #: a protocol deviation the metric itself declared (``protocol.table_note``, e.g. "dlib face
    #: boxes" for PSNR with a face backend the user chose instead of the reference detector)
    protocol_note: str | None = None

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"

    @property
    def header(self) -> str:
        notes = [n for n in (self.note, self.protocol_note) if n]
        return f"{self.label} ({'; '.join(notes)})" if notes else self.label


@dataclass
class Cell:
    value: float | None
    text: str
    status: str = "ok"  # ok | missing | unavailable | published | delta
    reason: str | None = None
    mark: str | None = None  # best | second
    record: str | None = None  # record.json the number came from
    ci: dict | None = None  # bootstrap interval (talkbench.reports.ci, `table --ci`)
    coverage: str | None = None  # "n/N" when computed on fewer clips than the split holds


@dataclass
class Row:
    key: str
    label: str
    kind: str  # gt | ours | published
    cells: list[Cell]
    dataset_split: dict[str, str] = field(default_factory=dict)
    option: str | None = None
    option_value: str | None = None
    published: bool = False  # a row from results/paper, not a run


@dataclass
class Table:
    layout: str
    columns: list[Column]
    rows: list[Row]
    caption: str
    label: str
    notes: list[str]
    delta: bool = False
    by: str | None = None

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(c.dataset for c in self.columns))

    def as_dict(self) -> dict[str, Any]:
        return {"layout": self.layout, "caption": self.caption, "label": self.label, "delta": self.delta,
                "by": self.by, "columns": [asdict(c) | {"arrow": c.arrow, "header": c.header} for c in self.columns],
                "rows": [asdict(r) for r in self.rows], "notes": self.notes}


def _finite(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _metric_cell(record: Mapping[str, Any], metric: str) -> Cell:
    entry = (record.get("metrics") or {}).get(metric)
    path = record.get("_path")
    if not isinstance(entry, Mapping):
        return Cell(None, "N/A", "missing", f"{metric} not computed in this run", record=path)
    if entry.get("status", "ok") != "ok":
        return Cell(None, "N/A", "unavailable", entry.get("reason"), record=path)
    value = _finite(entry.get("value"))
    reason = None if value is not None else f"value {entry.get('value')!r} is not a finite number"
    cell = Cell(value, nm.fmt(value, metric), "ok" if value is not None else "missing", reason, record=path)
    return _mark_coverage(cell, record, entry)


#: the footnote of cells marked n/N
COVERAGE_NOTE = ("n/N: computed on n of the N clips the split holds (clips failed or were not run); "
                 "see the run's record.json")


def _mark_coverage(cell: Cell, record: Mapping[str, Any], entry: Mapping[str, Any]) -> Cell:
    """A number from fewer clips than the split holds must not look complete: n/N clips."""
    total = (record.get("dataset") or {}).get("split_size")
    n = entry.get("n_clips")
    if cell.value is None or not isinstance(total, int) or not isinstance(n, int) or n >= total:
        return cell
    cell.coverage = f"{n}/{total}"  # LaTeX and Markdown show "0.812 (2/8)"; CSV keeps the number
    return cell


def _column(dataset: str, metric: str, records: Sequence[Mapping[str, Any]]) -> Column:
    label, hib, _ = nm.KNOWN_METRICS.get(metric, (metric.upper(), True, 3))
    nets, declared = set(), set()
    for r in records:
        if (r.get("dataset") or {}).get("name") != dataset:
            continue
        entry = (r.get("metrics") or {}).get(metric)
        if isinstance(entry, Mapping):
            label = entry.get("label") or label
            hib = bool(entry.get("higher_is_better", hib))
            net = (entry.get("protocol") or {}).get("net") if isinstance(entry.get("protocol"), Mapping) else None
            # only SyncNet's `net` says which weights; LPIPS's `net` names the backbone (alex/vgg)
            if metric.startswith("lse") and net not in nm.OFFICIAL_NETS:
                nets.add(str(net))
            declared_note = (entry.get("protocol") or {}).get("table_note") if isinstance(entry.get("protocol"), Mapping) else None
            if declared_note:
                declared.add(str(declared_note))
    note = None
    if nets:
        note = f"{'/'.join(sorted(nets))} SyncNet"
    return Column(dataset, metric, label, hib, note, "/".join(sorted(declared)) or None)


def _rank(table: Table) -> None:
    """Best / second best per column among non-GT rows, compared at the printed precision."""
    for j, col in enumerate(table.columns):
        cands = [(round(r.cells[j].value, nm.decimals(col.metric)), r) for r in table.rows
                 if r.kind != "gt" and r.cells[j].value is not None]
        if len(cands) < 2:
            continue
        ordered = sorted({v for v, _ in cands}, reverse=col.higher_is_better)
        for v, r in cands:
            if v == ordered[0]:
                r.cells[j].mark = "best"
            elif len(cands) >= 3 and len(ordered) > 1 and v == ordered[1]:
                r.cells[j].mark = "second"


def _published_for(rows: list[PublishedRow], layout: str, by: str | None) -> list[PublishedRow]:
    if layout == "ablation":
        return [p for p in rows if p.option == by]
    return [p for p in rows if p.table == 1]


def build_table(
    records: Iterable[dict], *, datasets: Sequence[str] | None = None, metrics: Sequence[str] | None = None,
    models: Sequence[str] | None = None, layout: str = "table1", by: str | None = None, paper: bool = False,
    delta: bool = False, caption: str | None = None, label: str | None = None, split: str | None = None,
    latest: bool = True, paper_dir: str | None = None,
) -> Table:
    if layout not in LAYOUTS:
        raise TalkbenchError(f"unknown table layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if layout == "ablation" and not by:
        raise TalkbenchError("the ablation layout needs --by OPTION (e.g. --by reference)")
    by = by if layout == "ablation" else None
    runs = select_runs(records, datasets=datasets, models=models, split=split, by=by, latest=latest)
    all_pub = _published_for(published_rows(paper_dir), layout, by)
    pub = all_pub if (paper or delta) else []
    if models:
        pub = [p for p in pub if p.model in models]
    if datasets:
        pub = [p for p in pub if p.dataset in datasets]
    ds = list(datasets) if datasets else sorted(
        {r["dataset"]["name"] for r in runs} | ({p.dataset for p in pub} if paper else set()), key=nm.dataset_sort_key)
    if metrics:
        ms = list(metrics)
    elif layout == "table1" or paper:
        ms = list(nm.METRIC_ORDER)
    else:
        ms = sorted({m for r in runs for m in (r.get("metrics") or {})}, key=nm.metric_sort_key)
    if not ds or not ms:
        raise TalkbenchError("no runs to tabulate: run `talkbench run ...` first or pass --paper")
    columns = [_column(d, m, runs) for d in ds for m in ms]
    rows = _ours_rows(runs, columns, by, latest)
    if delta:
        rows = [_delta_row(r, pub, columns) for r in rows]
    elif paper:
        rows += _published_table_rows(pub, columns, by)
    # the paper's row order (its option values' order for ablations), ours before published
    rows = _order(rows, {k: i for i, k in enumerate(_pub_groups(all_pub, by))}, by)
    # the runs' --protocol preset (name vVERSION) belongs in the caption: numbers are only
    # comparable under the same protocol
    preset = caption_note(runs)
    caption = caption or _default_caption(layout, ds, by, delta)
    table = Table(layout, columns, rows, f"{caption} {preset}" if preset else caption,
                  label or ("tab:ablation-" + by if by else "tab:results"), [], delta, by)
    if not delta and layout != "simple":
        _rank(table)
    table.notes = _notes(table, paper and not delta)
    return table


def _ours_rows(runs: list[dict], columns: list[Column], by: str | None, latest: bool) -> list[Row]:
    groups: dict[tuple, list[dict]] = {}
    for r in runs:
        key = (nm.row_key(r), str(option_of(r, by)) if by else None, None if latest else r.get("run_id"))
        groups.setdefault(key, []).append(r)
    multi_model = len({k[0] for k in groups}) > 1
    rows = []
    for (key, value, run_id), recs in groups.items():
        by_ds = {r["dataset"]["name"]: r for r in recs}
        cells = [_metric_cell(by_ds[c.dataset], c.metric) if c.dataset in by_ds
                 else Cell(None, "N/A", "missing", f"no run on {c.dataset}") for c in columns]
        if by:
            text = value if not multi_model else f"{nm.display_model(key)} {value}"
        else:
            text = nm.display_model(key)
        if run_id:
            text += f" [{run_id}]"
        rows.append(Row(key, text, "gt" if key in nm.GT_KEYS else "ours", cells,
                        {d: r["dataset"].get("split") for d, r in by_ds.items()}, by, value))
    return rows


def _pub_cells(p_rows: list[PublishedRow], columns: list[Column]) -> list[Cell]:
    by_ds = {p.dataset: p for p in p_rows}
    cells = []
    for c in columns:
        p = by_ds.get(c.dataset)
        if p is None or c.metric not in p.values:
            cells.append(Cell(None, "N/A", "missing", "not published"))
        else:
            cells.append(Cell(p.number(c.metric), p.values[c.metric] or "N/A", "published"))
    return cells


def _pub_groups(pub: list[PublishedRow], by: str | None) -> dict[tuple, list[PublishedRow]]:
    groups: dict[tuple, list[PublishedRow]] = {}
    for p in pub:
        groups.setdefault((p.model, p.value if by else None), []).append(p)
    return groups


def _published_table_rows(pub: list[PublishedRow], columns: list[Column], by: str | None) -> list[Row]:
    rows = []
    for (model, value), ps in _pub_groups(pub, by).items():
        label = (value or "") if by else nm.display_model(model)
        rows.append(Row(model, f"{label}†", "gt" if model in nm.GT_KEYS else "published",
                        _pub_cells(ps, columns), {p.dataset: "test" for p in ps}, by, value, True))
    return rows


def _order(rows: list[Row], pub_order: dict[tuple, int], by: str | None) -> list[Row]:
    def key(r: Row):
        gt = 0 if r.key in nm.GT_KEYS else 1
        if by:
            paper_pos = pub_order.get((r.key, r.option_value), len(pub_order))
            return (gt, nm.model_sort_key(r.key), paper_pos, nm.option_value_sort_key(r.option_value), r.published)
        return (gt, nm.model_sort_key(r.key), r.published, r.label)
    return sorted(rows, key=key)


def _delta_row(row: Row, pub: list[PublishedRow], columns: list[Column]) -> Row:
    match = [p for p in pub if p.model == row.key and (row.option is None or p.value == row.option_value)]
    ref = {p.dataset: p for p in match}
    cells = []
    for c, cell in zip(columns, row.cells):
        p = ref.get(c.dataset)
        pv = p.number(c.metric) if p else None
        if cell.value is None or pv is None:
            why = cell.reason if cell.value is None else "no published value"
            cells.append(Cell(None, "N/A", "missing", why, record=cell.record))
        else:
            d = cell.value - pv
            cells.append(Cell(d, nm.fmt(d, c.metric, signed=True), "delta",
                              f"ours {cell.text} − published {p.values[c.metric]}",
                              record=cell.record, coverage=cell.coverage))
    return Row(row.key, row.label, row.kind, cells, row.dataset_split, row.option, row.option_value)


def _default_caption(layout: str, datasets: list[str], by: str | None, delta: bool) -> str:
    shown = [nm.display_dataset(d) for d in datasets]
    names = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    if delta:
        return f"Difference to the published numbers (ours − published) on {names}."
    what = f"Ablation of {by}" if layout == "ablation" else "Quantitative comparison"
    return f"{what} on {names}. Best in bold, second best in bold violet; GT rows are not ranked."


def _notes(table: Table, paper: bool) -> list[str]:
    notes = []
    if paper and any(r.published for r in table.rows):
        notes.append(f"† {DAGGER_NOTE}.")
    # one footnote per (dataset, net) however many columns it covers (LSE-C and LSE-D)
    by_net = fn.grouped([(c.label, (c.dataset, c.note)) for c in table.columns if c.note])
    for labels, (dataset, note) in by_net:
        nets = note.removesuffix(" SyncNet").split("/")
        notes.append(f"{nm.display_dataset(dataset)} {fn.join_labels(labels)}: computed with "
                     f"{fn.net_note(nets)}, not the official weights; not comparable to published numbers.")
    # a backend the user chose instead of the protocol's (e.g. dlib face boxes for PSNR/SSIM)
    for labels, (dataset, note) in fn.grouped([(c.label, (c.dataset, c.protocol_note))
                                                for c in table.columns if c.protocol_note]):
        notes.append(f"{nm.display_dataset(dataset)} {fn.join_labels(labels)}: computed with {note}, "
                     "not the reference protocol's; not comparable to published numbers.")
    unavailable = [(c.label, fn.reader_reason(cell.reason)) for r in table.rows
                   for c, cell in zip(table.columns, r.cells) if cell.status == "unavailable" and cell.reason]
    notes += [f"{fn.join_labels(labels)} unavailable: {why}." for labels, why in fn.grouped(unavailable)]
    if any(cell.coverage for r in table.rows for cell in r.cells):
        notes.append(COVERAGE_NOTE)
    return list(dict.fromkeys(notes))
