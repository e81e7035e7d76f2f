"""Which runs feed a table, a figure or a script: filter records and keep the latest per
(row, dataset[, option value]). The one selection function (``talkbench.records.find_runs`` was
merged into it)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from talkbench.reports.naming import row_key


def option_of(record: Mapping[str, Any], name: str) -> Any:
    """An option's value for a run: as given, else as the loaded model reported it.

    A switch fixed at training time (SyncDiff's reference, num_prev...) is often left unset on the
    command line and read from the checkpoint; the record keeps it under effective_options.
    """
    model = record.get("model") or {}
    given = (model.get("options") or {}).get(name)
    return given if given is not None else (model.get("effective_options") or {}).get(name)


def _newest_first(records: Iterable[dict]) -> list[dict]:
    return sorted(records, key=lambda r: r.get("created_at") or "", reverse=True)


def _matches(record: Mapping[str, Any], models: Sequence[str] | None) -> bool:
    if not models:
        return True
    return row_key(record) in models or (record.get("model") or {}).get("name") in models


def select_runs(
    records: Iterable[dict], *, datasets: Sequence[str] | None = None, models: Sequence[str] | None = None,
    split: str | None = None, by: str | None = None, latest: bool = True, label: str | None = None,
    metric: str | None = None,
) -> list[dict]:
    """Records to tabulate, newest first (e.g. ``select_runs(load_records("results"), models=["gt"])``).

    ``models``: row keys (label, external preset) or model names; ``label``: that ``--label``
    only; ``metric``: runs where that metric is ok. Per dataset the ``test`` split is used when
    it has runs (else whatever split ran) unless ``split`` is given. With ``latest`` only the
    newest run per (row key, dataset[, value of option ``by``]) is kept; runs without option
    ``by`` are dropped when ``by`` is given.
    """
    recs = [r for r in _newest_first(records) if _matches(r, models)]
    if label is not None:
        recs = [r for r in recs if (r.get("model") or {}).get("label") == label]
    if metric is not None:
        recs = [r for r in recs if ((r.get("metrics") or {}).get(metric) or {}).get("status") == "ok"]
    if datasets:
        recs = [r for r in recs if (r.get("dataset") or {}).get("name") in datasets]
    if by:
        recs = [r for r in recs if option_of(r, by) is not None]
    splits: dict[str, set] = {}
    for r in recs:
        d = r.get("dataset") or {}
        splits.setdefault(d.get("name"), set()).add(d.get("split"))
    out, seen = [], set()
    for r in recs:
        d = r.get("dataset") or {}
        want = split or ("test" if "test" in splits[d.get("name")] else None)
        if want is not None and d.get("split") != want:
            continue
        key = (row_key(r), d.get("name"), str(option_of(r, by)) if by else None)
        if latest and key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out
