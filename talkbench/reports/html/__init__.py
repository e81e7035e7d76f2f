"""``talkbench report --html OUT/``: a static, self-contained HTML report (no server, no CDN).

Layout::

    OUT/index.html             leaderboard: one row per run, each value with its 95% CI; paired tests
    OUT/run-<run_dir>.html     run card, per-clip distributions (plots/<run_dir>.svg), failures
    OUT/clips.html             per-clip table across runs (paged; data loaded after the page draws)
    OUT/clip.html#<ds>/<clip>  side-by-side players driven by one control, numbers, figure strip
    OUT/data/clips.js          the per-clip values the two pages above read
    OUT/stats.json             every interval and paired test on the pages, for citing
    OUT/assets/                CSS and JS (package data of talkbench.reports.html)
    OUT/strips/, OUT/media/    figure strips; copied videos (only with copy_media)

Videos are linked by relative paths into the run directories unless ``copy_media``: keep the
report beside ``results/`` or copy the media to move it. Assembled next to OUT and swapped in.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

from talkbench.atomic import publish_dir
from talkbench.errors import TalkbenchError
from talkbench.records import now_iso
from talkbench.reports.html import pages
from talkbench.reports.html.collect import ReportData, RunView, collect
from talkbench.stats import DEFAULT_RESAMPLES, DEFAULT_SEED

DEFAULT_STRIPS = 8


def write_html_report(
    records: list[dict], out: str | Path, *, paper: bool = False, models: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None, copy_media: bool = False, n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED, strips: int = DEFAULT_STRIPS, plots: bool = True,
) -> Path:
    if not records:
        raise TalkbenchError("no run records found: run `talkbench run ...` (or `talkbench demo`) first")
    data = collect(records, paper=paper, models=models, datasets=datasets, n_resamples=n_resamples, seed=seed)
    if not data.runs:
        raise TalkbenchError("no runs match --models/--datasets; `talkbench table` lists what there is")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        _assemble(tmp, out, data, copy_media, strips, plots)
        publish_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out / "index.html"


def _video_prefixes(tmp: Path, out: Path, data: ReportData, copy_media: bool) -> dict[str, str]:
    prefixes = {}
    for r in data.runs:
        if not r.videos:
            continue
        if copy_media:
            dst = tmp / "media" / r.slug
            dst.mkdir(parents=True, exist_ok=True)
            for cid, src in r.videos.items():
                shutil.copy2(src, dst / f"{cid}.mp4")
            prefixes[r.id] = f"media/{quote(r.slug)}/"
        else:
            src_dir = next(iter(r.videos.values())).parent
            prefixes[r.id] = quote(Path(os.path.relpath(src_dir, out)).as_posix()) + "/"
    return prefixes


def _worst_first(data: ReportData, dataset: str, metric: str) -> list[str]:
    hib = data.cards[metric]["higher_is_better"]
    scores: dict[str, list[float]] = {}
    for r in data.runs:
        if r.dataset != dataset or r.kind == "gt" or not r.videos:
            continue
        for e in r.entries:
            x = (e.get("metrics") or {}).get(metric)
            if isinstance(x, dict) and x.get("value") is not None and e["clip_id"] in r.videos:
                scores.setdefault(e["clip_id"], []).append(float(x["value"]))
    mean = {c: sum(v) / len(v) for c, v in scores.items()}
    return sorted(mean, key=lambda c: mean[c] if hib else -mean[c])


def _strips(tmp: Path, data: ReportData, n: int) -> tuple[dict[tuple[str, str], str], list[str]]:
    """Figure strips for the ``n`` worst clips (first metric) of each dataset."""
    from talkbench.reports.figure import render_figure

    made, notes = {}, []
    if n <= 0 or not data.metrics:
        return made, notes
    for ds in dict.fromkeys(r.dataset for r in data.runs):
        runs = [r for r in data.runs if r.dataset == ds]
        for cid in _worst_first(data, ds, data.metrics[0])[:n]:
            entry = next((e for r in runs for e in r.entries if e["clip_id"] == cid and e.get("video")), None)
            frames_n = int(((entry or {}).get("video") or {}).get("frames") or 0)
            if frames_n < 3:
                continue
            rel = f"strips/{quote(ds)}/{quote(cid)}.png"
            try:
                render_figure([r.record for r in runs], [cid], [frames_n // 6, frames_n // 2, 5 * frames_n // 6],
                              tmp / "strips" / ds / f"{cid}.png", dataset=ds)
            except (TalkbenchError, OSError) as exc:
                notes.append(f"strip {ds}/{cid} not drawn: {exc}")
                continue
            made[(ds, cid)] = rel
    return made, notes


def _plot(tmp: Path, data: ReportData, run: RunView) -> str | None:
    from talkbench.reports.html.plots import write_run_plot

    series = []
    for m in data.metrics:
        vals = [float(x["value"]) for e in run.entries
                if isinstance(x := (e.get("metrics") or {}).get(m), dict) and x.get("value") is not None]
        series.append((data.cards[m]["label"], data.cards[m]["higher_is_better"], vals))
    name = f"plots/{run.slug}.svg"
    return quote(name) if write_run_plot(tmp / name, series) else None


def _assemble(tmp: Path, out: Path, data: ReportData, copy_media: bool, n_strips: int, plots: bool) -> None:
    (tmp / "assets").mkdir()
    (tmp / "data").mkdir()
    for name in pages.ASSETS:
        (tmp / "assets" / name).write_text((pages.TEMPLATES / name).read_text(encoding="utf-8"), encoding="utf-8")
    prefixes = _video_prefixes(tmp, out, data, copy_media)
    strips, notes = _strips(tmp, data, n_strips)
    data.notes += notes
    created = now_iso()
    footer = f"talkbench report, {created}. " + ("Videos copied into media/." if copy_media else
                                                 "Videos linked from the run directories (relative paths).")
    write = lambda name, text: (tmp / name).write_text(text, encoding="utf-8")  # noqa: E731
    write("index.html", pages.page("talkbench leaderboard", pages.index_body(data), kind="index",
                                   scripts=("leaderboard.js",), footer=footer))
    for r in data.runs:
        title = f"{r.label} on {r.dataset}/{r.split} — {r.id}"
        write(pages.run_href(r), pages.page(title, pages.run_body(data, r, _plot(tmp, data, r) if plots else None), kind="run",
                                            footer=footer))
    write("clips.html", pages.page("Per-clip results", pages.clips_body(), kind="clips",
                                   scripts=("cliptable.js",), footer=footer))
    write("clip.html", pages.page("Side by side", pages.clip_body(), kind="clip", scripts=("sidebyside.js",),
                                  footer=footer))
    write("data/clips.js", pages.clip_data(data, prefixes, strips))
    stats = {"created_at": created, "settings": data.settings, "notes": data.notes,
             "runs": {r.id: {"model": r.record["model"]["name"], "label": r.label, "dataset": r.dataset,
                             "split": r.split, "record": r.record.get("_path"), "n_clips": r.n_total,
                             "n_ok": r.n_ok, "metrics": r.cis} for r in data.runs},
             "comparisons": data.comparisons}
    write("stats.json", json.dumps(stats, indent=1, allow_nan=False) + "\n")
