"""Everything the HTML report shows, gathered once: runs, intervals, paired tests, per-clip values.

Each run's ``scores/*.json`` are read once; the intervals and tests come from talkbench.stats,
so the page, ``stats.json`` and ``talkbench compare`` give the same numbers.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from talkbench.reports import naming as nm
from talkbench.reports.selection import select_runs
from talkbench.stats import compare_runs, read_scores, run_cis, run_samples


@dataclass
class RunView:
    id: str  # the run directory name, unique in results/
    record: dict
    key: str
    kind: str  # gt | ours
    entries: list[dict]
    cis: dict[str, dict]
    samples: dict[str, Any] = field(repr=False, default_factory=dict)
    videos: dict[str, Path] = field(default_factory=dict)  # clip id -> video file

    @property
    def label(self) -> str:
        return nm.display_model(self.key)

    @property
    def slug(self) -> str:
        """The id as a file name (run directories are slugs already; records from elsewhere may not be)."""
        return re.sub(r"[^A-Za-z0-9._-]", "_", self.id)

    @property
    def dataset(self) -> str:
        return self.record["dataset"]["name"]

    @property
    def split(self) -> str:
        return self.record["dataset"].get("split") or ""

    @property
    def n_total(self) -> int:
        return int(self.record["dataset"].get("n_clips") or len(self.entries))

    @property
    def n_ok(self) -> int:
        return self.n_total - int(self.record.get("n_failed_clips") or 0)

    def value(self, metric: str) -> float | None:
        m = (self.record.get("metrics") or {}).get(metric) or {}
        v = m.get("value") if m.get("status", "ok") == "ok" else None
        return None if v is None else float(v)


@dataclass
class ReportData:
    runs: list[RunView]
    metrics: list[str]
    cards: dict[str, dict]  # metric -> {label, higher_is_better, decimals}
    marks: dict[tuple[str, str], str]  # (run id, metric) -> best | second
    comparisons: list[dict]
    published: list[Any]
    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _video_files(record: dict, ids: Sequence[str]) -> dict[str, Path]:
    run_dir = Path(record["_path"]).parent
    videos_dir = (record.get("model") or {}).get("videos_dir")
    out = {}
    for cid in ids:
        for cand in ((Path(videos_dir) / f"{cid}.mp4") if videos_dir else None, run_dir / "videos" / f"{cid}.mp4"):
            if cand is not None and cand.is_file():
                out[cid] = cand.resolve()
                break
    return out


def codec_note(run_id: str, video: Path) -> str | None:
    """A note when a run's videos are not H.264 (e.g. made by another tool): browsers may not play them."""
    import av

    try:
        with av.open(str(video)) as f:
            name = f.streams.video[0].codec_context.name if f.streams.video else "no video stream"
    except (av.FFmpegError, OSError) as exc:
        return f"{run_id}: {video} could not be read ({exc})"
    if name == "h264":
        return None
    return (f"{run_id}: videos are {name}, not H.264; browsers may not play them (re-encode, e.g. "
            "ffmpeg -i in.mp4 -c:v libx264 -pix_fmt yuv420p -c:a aac out.mp4)")


def _order_key(r: RunView):
    return (nm.dataset_sort_key(r.dataset), r.kind != "gt", nm.model_sort_key(r.key), r.id)


def _cards(runs: list[RunView], metrics: list[str]) -> dict[str, dict]:
    cards = {}
    for m in metrics:
        label, hib, dec = nm.KNOWN_METRICS.get(m, (m.upper(), True, 3))
        for r in runs:
            e = (r.record.get("metrics") or {}).get(m)
            if isinstance(e, dict):
                label, hib = e.get("label") or label, bool(e.get("higher_is_better", hib))
                break
        cards[m] = {"label": label, "higher_is_better": hib, "decimals": dec}
    return cards


def published_id(p: Any) -> str:
    return f"published:{p.model}:{p.dataset}"


def _marks(runs: list[RunView], published: list[Any], metrics: list[str], cards: dict) -> dict[tuple[str, str], str]:
    """Best / second best per (dataset, metric) among non-GT rows, published ones included, at the
    printed precision (as the LaTeX table ranks them)."""
    marks = {}
    for ds in {r.dataset for r in runs} | {p.dataset for p in published}:
        for m in metrics:
            cands = [(round(v, cards[m]["decimals"]), r.id) for r in runs
                     if r.dataset == ds and r.kind != "gt" and (v := r.value(m)) is not None]
            cands += [(round(v, cards[m]["decimals"]), published_id(p)) for p in published
                      if p.dataset == ds and p.model not in nm.GT_KEYS and (v := p.number(m)) is not None]
            if len(cands) < 2:
                continue
            ordered = sorted({v for v, _ in cands}, reverse=cards[m]["higher_is_better"])
            for v, rid in cands:
                if v == ordered[0]:
                    marks[(rid, m)] = "best"
                elif len(cands) >= 3 and len(ordered) > 1 and v == ordered[1]:
                    marks[(rid, m)] = "second"
    return marks


def collect(records: list[dict], *, paper: bool = False, models: Sequence[str] | None = None,
            datasets: Sequence[str] | None = None, n_resamples: int, seed: int) -> ReportData:
    chosen = select_runs(records, datasets=datasets, models=models, latest=True)
    runs = []
    for rec in chosen:
        entries = read_scores(rec)
        samples = run_samples(rec, entries)
        key = nm.row_key(rec)
        runs.append(RunView(rec.get("run_dir") or Path(rec["_path"]).parent.name, rec, key,
                            "gt" if key in nm.GT_KEYS else "ours", entries,
                            run_cis(rec, n_resamples=n_resamples, seed=seed, samples=samples), samples,
                            _video_files(rec, [e["clip_id"] for e in entries])))
    runs.sort(key=_order_key)
    metrics = sorted({m for r in runs for m in (r.record.get("metrics") or {})}, key=nm.metric_sort_key)
    cards = _cards(runs, metrics)
    comparisons = []
    for a, b in itertools.combinations(runs, 2):  # every pair on one dataset split
        if (a.dataset, a.split) != (b.dataset, b.split):
            continue
        for t in compare_runs(a.record, b.record, n_resamples=n_resamples, seed=seed, samples=(a.samples, b.samples)):
            comparisons.append({"a": a.id, "b": b.id, "a_label": a.label, "b_label": b.label,
                                "dataset": a.dataset, "split": a.split, **t})
    published = []
    if paper:
        from talkbench.reports.paper import published_rows

        # every Table 1 row (its dataset is a column here), unless --datasets/--models narrow them
        published = [p for p in published_rows() if p.table == 1 and (not datasets or p.dataset in datasets)
                     and (not models or p.model in models)]
    settings = {"n_resamples": n_resamples, "seed": seed, "confidence": 0.95}
    notes = [n for r in runs if r.videos and (n := codec_note(r.id, next(iter(r.videos.values())))) is not None]
    marks = _marks(runs, published, metrics, cards)
    return ReportData(runs, metrics, cards, marks, comparisons, published, settings, notes)
