"""The report's pages as HTML text: leaderboard, per-run cards, per-clip table, side-by-side view.

Templates (page skeleton, CSS, JS) are package data in ``templates/``; every value put into a
page is escaped here.
"""

from __future__ import annotations

import json
from html import escape as e
from importlib.resources import files
from string import Template
from typing import Any

from talkbench.reports import naming as nm
from talkbench.reports.html.collect import ReportData, RunView, published_id

TEMPLATES = files("talkbench.reports.html") / "templates"
ASSETS = ("style.css", "leaderboard.js", "cliptable.js", "sidebyside.js")


def page(title: str, body: str, *, kind: str, scripts: tuple[str, ...] = (), footer: str = "") -> str:
    tpl = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))
    tags = "\n".join(f'<script src="assets/{s}"></script>' for s in scripts)
    return tpl.substitute(title=e(title), heading=e(title), body=body, page=kind, scripts=tags, footer=footer)


def run_href(run: RunView) -> str:
    return f"run-{run.slug}.html"


def _fmt(v: float | None, dec: int) -> str:
    return "N/A" if v is None else f"{v:.{dec}f}"


def _metric_cell(data: ReportData, run: RunView, m: str) -> str:
    card = data.cards[m]
    entry = (run.record.get("metrics") or {}).get(m)
    v = run.value(m)
    if v is None:
        why = (entry or {}).get("reason") or ("not computed in this run" if entry is None else "no value")
        return f'<td class="num na" data-v="" title="{e(str(why))}">N/A</td>'
    ci = run.cis.get(m) or {"status": "unavailable", "reason": "no interval"}
    if ci["status"] == "ok":
        tip = (f"{ci['confidence']:.0%} {ci['method']}, {ci['n_clips']} clips, "
               f"{ci['n_resamples']} resamples, seed {ci['seed']}")
        ci_html = (f'<span class="ci" title="{e(tip)}">[{_fmt(ci["low"], card["decimals"])}, '
                   f'{_fmt(ci["high"], card["decimals"])}]</span>')
    else:
        ci_html = f'<span class="ci none" title="{e(ci["reason"])}">no CI</span>'
    mark = data.marks.get((run.id, m), "")
    return (f'<td class="num {mark}" data-v="{v!r}"><span class="v">{_fmt(v, card["decimals"])}</span>'
            f"{ci_html}</td>")


def _published_rows(data: ReportData) -> list[str]:
    out = []
    for p in data.published:
        cells = "".join(f'<td class="num {data.marks.get((published_id(p), m), "")}" '
                        f'data-v="{e(str(p.number(m) if p.number(m) is not None else ""))}">'
                        f'<span class="v">{e(p.values.get(m) or "N/A")}</span></td>' for m in data.metrics)
        out.append(f'<tr class="published"><td>{e(p.model)}</td><td>{e(p.method)}†</td>'
                   f'<td>{e(nm.display_dataset(p.dataset))}</td><td>test</td><td class="num" data-v="">—</td>'
                   f"{cells}</tr>")
    return out


def index_body(data: ReportData) -> str:
    heads = "".join(f'<th class="sortable" data-type="num" data-metric="{e(m)}">{e(data.cards[m]["label"])} '
                    f'{"↑" if data.cards[m]["higher_is_better"] else "↓"}</th>' for m in data.metrics)
    rows = []
    for r in data.runs:
        label = (r.record.get("model") or {}).get("label") or r.label
        rows.append(f'<tr class="{r.kind}" data-run="{e(r.id)}"><td><a href="{e(run_href(r))}">'
                    f'{e(r.record["model"]["name"])}</a></td><td>{e(label)}</td>'
                    f"<td>{e(nm.display_dataset(r.dataset))}</td><td>{e(r.split)}</td>"
                    f'<td class="num" data-v="{r.n_ok}">{r.n_ok}/{r.n_total}</td>'
                    + "".join(_metric_cell(data, r, m) for m in data.metrics) + "</tr>")
    rows += _published_rows(data)
    s = data.settings
    legend = (f"Each value with its {s['confidence']:.0%} percentile-bootstrap interval over clips "
              f"({s['n_resamples']} resamples, seed {s['seed']}; each resample aggregated as the metric "
              "aggregates: pooled metrics frame-weighted, corpus metrics recomputed). Bold: best, bold "
              "violet: second best per dataset (GT rows not ranked). n/N: clips without failures / clips.")
    if data.published:
        legend += " Rows on yellow, marked †: published in the SyncDiff paper, not re-run (no intervals)."
    body = [f'<table id="leaderboard" class="sortable"><thead><tr><th class="sortable" data-type="text">Model</th>'
            '<th class="sortable" data-type="text">Label</th><th class="sortable" data-type="text">Dataset</th>'
            '<th class="sortable" data-type="text">Split</th><th class="sortable" data-type="num">n/N</th>'
            f"{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>", f'<p class="legend">{e(legend)}</p>',
            '<p><a href="clips.html">Per-clip table</a> (worst clips first, each linking to a side-by-side view) · '
            '<a href="stats.json">stats.json</a> (every interval and test on this page)</p>',
            _tests_section(data)]
    if data.notes:
        body.append("<h2>Notes</h2><ul class='note'>" + "".join(f"<li>{e(n)}</li>" for n in data.notes) + "</ul>")
    return "\n".join(body)


def _tests_section(data: ReportData) -> str:
    ok = [t for t in data.comparisons if t["status"] == "ok"]
    if not data.comparisons:
        return ""
    rows = []
    for t in data.comparisons:
        dec = data.cards.get(t["metric"], {}).get("decimals", 3) + 1
        if t["status"] != "ok":
            rows.append(f"<tr><td>{e(t['dataset'])}</td><td>{e(t['a_label'])}</td><td>{e(t['b_label'])}</td>"
                        f"<td>{e(t['metric'])}</td><td colspan=5 class='na'>{e(t['reason'])}</td></tr>")
            continue
        better = {"a": t["a_label"], "b": t["b_label"]}.get(t["better"], "neither")
        rows.append(f"<tr><td>{e(t['dataset'])}</td><td>{e(t['a_label'])}</td><td>{e(t['b_label'])}</td>"
                    f"<td>{e(data.cards.get(t['metric'], {}).get('label', t['metric']))}</td>"
                    f'<td class="num" data-v="{t["diff"]!r}">{t["diff"]:+.{dec}f}</td>'
                    f'<td class="num">[{t["low"]:+.{dec}f}, {t["high"]:+.{dec}f}]</td>'
                    f'<td class="num" data-v="{t["p_value"]!r}">{t["p_value"]:.4f}</td>'
                    f'<td class="num" data-v="{t["n_common"]}">{t["n_common"]}</td><td>{e(better)}</td></tr>')
    method = (f"{ok[0]['method_ci']} for the interval of A − B, {ok[0]['method_p']} for p, on the clips both "
              f"runs scored; better: p &lt; {ok[0]['alpha']:g} in the metric's direction.") if ok else ""
    return ("<h2>Paired tests</h2>"
            f'<table id="tests" class="sortable"><thead><tr><th class="sortable" data-type="text">Dataset</th>'
            '<th class="sortable" data-type="text">A</th><th class="sortable" data-type="text">B</th>'
            '<th class="sortable" data-type="text">Metric</th><th class="sortable" data-type="num">A − B</th>'
            '<th>95% CI</th><th class="sortable" data-type="num">p</th><th class="sortable" data-type="num">Clips</th>'
            '<th>Better</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table><p class='legend'>{method}</p>")


def _dl(items: list[tuple[str, Any]]) -> str:
    def show(v):
        return v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
    return '<dl class="card">' + "".join(f"<dt>{e(k)}</dt><dd>{e(show(v))}</dd>" for k, v in items) + "</dl>"


def _preset_line(prov: Any) -> str:
    """The run's --protocol preset as the run card shows it (name vVERSION, what was changed)."""
    if not isinstance(prov, dict) or not prov.get("name"):
        return "none"
    changed = sorted(prov.get("overridden") or {}) + sorted(f"{m} (other options)" for m in prov.get("differs") or {})
    return f"{prov['name']} v{prov.get('version')}" + (f"; changed: {', '.join(changed)}" if changed else "")


def run_body(data: ReportData, run: RunView, plot: str | None) -> str:
    rec = run.record
    model, ds = rec.get("model") or {}, rec.get("dataset") or {}
    ckpt = model.get("checkpoint") or {}
    metric_weights = {m: x.get("weights") for m, x in (rec.get("metrics") or {}).items() if x.get("weights")}
    protocols = {m: {"version": x.get("version"), "aggregation": x.get("aggregation"), "protocol": x.get("protocol")}
                 for m, x in (rec.get("metrics") or {}).items()}
    card = _dl([
        ("model", f"{model.get('name')} v{model.get('version')}"), ("label", model.get("label") or "—"),
        ("options", model.get("options") or {}), ("effective options", model.get("effective_options") or {}),
        ("checkpoint", ckpt.get("path") or "none"), ("checkpoint sha256", ckpt.get("sha256") or "—"),
        ("weights overrides", model.get("weights_overrides") or {}), ("metric weights", metric_weights),
        ("metric protocols", protocols), ("protocol preset", _preset_line(rec.get("protocol"))),
        ("dataset", f"{ds.get('name')}/{ds.get('split')}, {ds.get('n_clips')} clips"),
        ("dataset options", ds.get("options") or {}), ("clip ids sha256", ds.get("clip_ids_sha256") or "—"),
        ("file list sha256", ds.get("file_list_sha256") or "—"),
        ("versions", rec.get("talkbench") or {}), ("environment", rec.get("environment") or {}),
        ("seeds", rec.get("seeds") or {}), ("created", rec.get("created_at") or "—"),
        ("run id", rec.get("run_id") or "—"), ("record", rec.get("_path") or "—")])
    mrows = []
    for m in data.metrics:
        if m not in (rec.get("metrics") or {}):
            continue
        x, ci, dec = rec["metrics"][m], run.cis.get(m, {}), data.cards[m]["decimals"]
        ci_text = (f"[{ci['low']:.{dec}f}, {ci['high']:.{dec}f}]" if ci.get("status") == "ok"
                   else f"none: {ci.get('reason', '')}")
        mrows.append(f"<tr><td>{e(data.cards[m]['label'])}</td><td class='num'>{_fmt(run.value(m), dec)}</td>"
                     f"<td>{e(ci_text)}</td><td class='num'>{x.get('n_clips', '—')}</td>"
                     f"<td>{e(str(x.get('aggregation')))}</td><td>{e(x.get('status', 'ok'))} {e(x.get('reason') or '')}</td></tr>")
    fails = rec.get("failures") or []
    frows = "".join(f"<tr><td>{e(str(f.get('clip_id')))}</td><td>{e(str(f.get('stage')))}</td>"
                    f"<td>{e(str(f.get('metric') or ''))}</td><td class='fail'>{e(str(f.get('reason')))}</td></tr>"
                    for f in fails)
    parts = ["<h2>Run card</h2>", card, "<h2>Metrics</h2>",
             "<table><thead><tr><th>Metric</th><th>Value</th><th>95% CI</th><th>Clips</th><th>Aggregation</th>"
             f"<th>Status</th></tr></thead><tbody>{''.join(mrows)}</tbody></table>"]
    if plot:
        parts += ["<h2>Distribution over clips</h2>", f'<img class="plot" src="{e(plot)}" alt="per-clip distributions">']
    parts += [f"<h2>Failures ({len(fails)})</h2>",
              (f"<table><thead><tr><th>Clip</th><th>Stage</th><th>Metric</th><th>Reason</th></tr></thead>"
               f"<tbody>{frows}</tbody></table>") if fails else "<p>No clip failed.</p>"]
    return "\n".join(parts)


def clips_body() -> str:
    return ('<div class="controls"><label>Metric <select id="metric"></select></label>'
            '<label><input id="all" type="checkbox"> all metrics</label>'
            '<label>Clip <input id="filter" placeholder="filter ids"></label>'
            '<button id="prev">◀ previous</button><span id="pageinfo">loading…</span>'
            '<button id="next">next ▶</button></div>'
            '<p class="legend">Worst clips first for the chosen metric (by the mean over the non-GT runs); '
            "click a header to sort by it; tick “all metrics” for every run × metric. Each clip links to its "
            "side-by-side view.</p>"
            '<table id="clips" class="clips"></table>')


def clip_body() -> str:
    return ('<h2 id="title">loading…</h2><div class="controls"><button id="play">▶ play</button>'
            '<input id="seek" type="range" min="0" max="1" step="0.04" value="0"><span id="time"></span>'
            '<label>Sound from <select id="sound"><option value="-1">none</option></select></label></div>'
            '<div id="players" class="players"></div><h2>Figure strip</h2>'
            '<p id="stripnote" class="note">No strip was drawn for this clip (see `talkbench report --strips`).</p>'
            '<img id="strip" class="strip" hidden alt="figure strip">')


def clip_data(data: ReportData, video_prefix: dict[str, str], strips: dict[tuple[str, str], str]) -> str:
    """``data/clips.js``: runs, metric cards and one compact entry per (dataset, clip)."""
    M = len(data.metrics)
    runs = [{"id": r.id, "label": r.label, "dataset": r.dataset, "kind": r.kind, "href": run_href(r),
             "video": video_prefix.get(r.id, "")} for r in data.runs]
    clips: dict[tuple[str, str], dict] = {}
    for ri, r in enumerate(data.runs):
        for entry in r.entries:
            cid = entry["clip_id"]
            c = clips.setdefault((r.dataset, cid), {"d": r.dataset, "c": cid, "v": [None] * (M * len(data.runs)),
                                                    "m": [], "f": {}})
            for mi, m in enumerate(data.metrics):
                x = (entry.get("metrics") or {}).get(m)
                if isinstance(x, dict) and x.get("value") is not None:
                    c["v"][ri * M + mi] = round(float(x["value"]), 6)
            if cid in r.videos:
                c["m"].append(ri)
            if entry.get("failures"):
                c["f"][ri] = "; ".join(f"{f.get('stage')}: {f.get('reason')}" for f in entry["failures"])[:300]
    for key, path in strips.items():
        if key in clips:
            clips[key]["s"] = path
    payload = {"runs": runs, "metrics": [{"name": m, "label": data.cards[m]["label"],
                                          "hib": data.cards[m]["higher_is_better"], "dec": data.cards[m]["decimals"]}
                                         for m in data.metrics],
               "clips": sorted(clips.values(), key=lambda c: (nm.dataset_sort_key(c["d"]), c["c"]))}
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return "window.TB_DATA = " + text.replace("</", "<\\/") + ";\n"
