"""Confidence intervals and paired significance tests over clips, for tables, reports and `compare`.

Every number is recomputed the way the run record computed it: the resampled unit is the clip,
and each resample is aggregated with the metric's own aggregation (``mean``: mean over clips;
``pooled``: frame-weighted mean, Σ vₖnₖ / Σ nₖ; ``corpus``: the metric's ``aggregate`` on the
resampled clips, e.g. WER = Σ edits / Σ words), never a plain mean of per-clip values.

- ``bootstrap_ci``: seeded percentile bootstrap (indices drawn as scipy.stats.bootstrap draws
  them, so the same seed gives scipy's interval exactly).
- ``paired_test``: on the clips both runs scored, a paired bootstrap interval of A − B and a
  paired permutation p-value (swap A/B within a clip; two-sided, (1 + #{|d*| ≥ |d|}) / (1 + B);
  with few clips, 2ⁿ ≤ B, every swap pattern is enumerated and p is exact).

Both reduce to index matrices into one list of per-clip results: a resample of A is rows of
indices into A; a permutation picks, per clip, A's or B's entry from the list A + B.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from talkbench.atomic import read_json
from talkbench.errors import TalkbenchError

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0
CONFIDENCE = 0.95
ALPHA = 0.05
METHOD_CI = "percentile bootstrap over clips"
METHOD_P = "paired permutation over clips (two-sided)"

Aggregate = Callable[[Sequence[Mapping[str, Any]]], Mapping[str, Any]]


class StatsUnavailable(TalkbenchError):
    """No interval can be given (one clip, undefined value, per-clip scores missing...)."""


@dataclass
class Sample:
    """One run's per-clip results for one metric, and how the metric aggregates them."""

    metric: str
    aggregation: str
    clip_ids: list[str]
    per_clip: list[Mapping[str, Any]]
    aggregate: Aggregate | None = None  # the metric's own (needed for "corpus")

    def subset(self, ids: Sequence[str]) -> "Sample":
        pos = {c: i for i, c in enumerate(self.clip_ids)}
        return Sample(self.metric, self.aggregation, list(ids), [self.per_clip[pos[c]] for c in ids], self.aggregate)


class _Statistic:
    """The aggregation as a function of an index matrix (B, n) into ``per_clip`` → (B,) values."""

    def __init__(self, aggregation: str, per_clip: Sequence[Mapping[str, Any]], aggregate: Aggregate | None,
                 metric: str):
        self.kind, self.per_clip, self.aggregate, self.metric = aggregation, per_clip, aggregate, metric
        try:  # a corpus statistic resamples the per-clip results themselves (FID has no per-clip value)
            self.v = np.array([float(r["value"]) if aggregation != "corpus" else np.nan
                               for r in per_clip], dtype=np.float64)
            self.w = np.array([float(r.get("n", 1) or 1) for r in per_clip], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise StatsUnavailable(f"{metric}: a per-clip result has no numeric value") from None
        if aggregation == "corpus" and aggregate is None:
            raise StatsUnavailable(f"{metric}: corpus aggregation needs the metric installed to recompute it")
        if aggregation not in ("mean", "pooled", "corpus"):
            raise StatsUnavailable(f"{metric}: unknown aggregation {aggregation!r}")

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        if self.kind == "mean":
            return self.v[idx].mean(axis=-1)
        if self.kind == "pooled":
            return (self.v * self.w)[idx].sum(axis=-1) / self.w[idx].sum(axis=-1)
        out = np.empty(len(idx))
        for b, row in enumerate(idx):  # the metric's own corpus statistic, one resample at a time
            value = self.aggregate([self.per_clip[i] for i in row]).get("value")
            out[b] = np.nan if value is None else float(value)
        return out


def _interval(theta: np.ndarray, confidence: float) -> tuple[float, float]:
    if not np.all(np.isfinite(theta)):
        raise StatsUnavailable("the statistic is undefined on some resamples")
    alpha = (1 - confidence) / 2
    lo, hi = np.percentile(theta, [100 * alpha, 100 * (1 - alpha)])
    return float(lo), float(hi)


def bootstrap_ci(sample: Sample, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                 confidence: float = CONFIDENCE) -> dict[str, Any]:
    """The metric's value on all clips and its percentile-bootstrap interval."""
    n = len(sample.per_clip)
    if n < 2:
        raise StatsUnavailable(f"{sample.metric}: {n} clip(s) scored; an interval needs at least 2")
    stat = _Statistic(sample.aggregation, sample.per_clip, sample.aggregate, sample.metric)
    value = float(stat(np.arange(n)[None])[0])
    if not np.isfinite(value):
        raise StatsUnavailable(f"{sample.metric}: the value itself is undefined")
    rng = np.random.default_rng(seed)
    theta = stat(rng.integers(0, n, (n_resamples, n)))
    lo, hi = _interval(theta, confidence)
    return {"value": value, "low": lo, "high": hi, "confidence": confidence, "n_clips": n,
            "n_resamples": n_resamples, "seed": seed, "method": METHOD_CI, "aggregation": sample.aggregation}


def paired_test(a: Sample, b: Sample, *, higher_is_better: bool, n_resamples: int = DEFAULT_RESAMPLES,
                seed: int = DEFAULT_SEED, confidence: float = CONFIDENCE, alpha: float = ALPHA) -> dict[str, Any]:
    """A − B on the clips both scored: difference, paired-bootstrap CI, permutation p, which is better."""
    common = sorted(set(a.clip_ids) & set(b.clip_ids))
    n = len(common)
    if n < 2:
        raise StatsUnavailable(f"{a.metric}: {n} clip(s) scored by both runs; a paired test needs at least 2")
    if a.aggregation != b.aggregation:
        raise StatsUnavailable(f"{a.metric}: the runs aggregate differently ({a.aggregation} vs {b.aggregation})")
    sa, sb = a.subset(common), b.subset(common)
    stat = _Statistic(a.aggregation, [*sa.per_clip, *sb.per_clip], a.aggregate or b.aggregate, a.metric)
    j = np.arange(n)
    va, vb = stat(j[None])[0], stat((j + n)[None])[0]
    diff = float(va - vb)
    if not np.isfinite(diff):
        raise StatsUnavailable(f"{a.metric}: a run's value is undefined")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, (n_resamples, n))  # the same clips for both runs: paired
    lo, hi = _interval(stat(idx) - stat(idx + n), confidence)
    exact = 2 ** n <= n_resamples  # few clips: every swap pattern, an exact p
    if exact:
        swap = ((np.arange(2 ** n)[:, None] >> j) & 1).astype(bool)
    else:
        swap = rng.random((n_resamples, n)) < 0.5
    perm = stat(np.where(swap, j + n, j)) - stat(np.where(swap, j, j + n))
    # ties within float noise count as "at least as extreme" (identical runs give p = 1)
    tol = 1e-12 * max(1.0, abs(diff))
    hits = np.count_nonzero(np.abs(perm) >= abs(diff) - tol)
    p = float(hits / len(swap)) if exact else float((1 + hits) / (1 + n_resamples))
    better = None
    if p < alpha and diff != 0:
        better = "a" if (diff > 0) == higher_is_better else "b"
    return {"metric": a.metric, "a": float(va), "b": float(vb), "diff": diff, "low": lo, "high": hi,
            "p_value": p, "better": better, "alpha": alpha, "n_common": n, "n_a": len(a.clip_ids),
            "n_b": len(b.clip_ids), "confidence": confidence, "n_resamples": n_resamples, "seed": seed,
            "method_ci": "paired " + METHOD_CI,
            "method_p": METHOD_P + (" (exact: all 2^n swaps)" if exact else ""), "aggregation": a.aggregation}


# --- from run records -------------------------------------------------------------------------

def _metric_aggregate(name: str) -> Aggregate | None:
    """The installed metric's ``aggregate`` (default options: aggregation never depends on them)."""
    from talkbench.plugins import get_metrics

    cls = get_metrics().get(name)
    if cls is None:
        return None
    try:
        return cls().aggregate
    except TalkbenchError:
        return None


def read_scores(record: Mapping[str, Any]) -> list[dict]:
    """The run's per-clip score entries (``scores/<clip>.json``), sorted by file name."""
    files = sorted((Path(record["_path"]).parent / "scores").glob("*.json"))
    return [e for e in (read_json(p) for p in files) if isinstance(e, dict) and e.get("clip_id")]


def run_samples(record: Mapping[str, Any], entries: list[dict] | None = None) -> dict[str, Sample | str]:
    """Per metric of a run: its Sample from ``scores/*.json``, or why there is none.

    The per-clip scores must reproduce the record's value and clip count; a mismatch (scores
    rewritten after the record) is reported, never papered over.
    """
    run_dir = Path(record["_path"]).parent
    entries = read_scores(record) if entries is None else entries
    out: dict[str, Sample | str] = {}
    if not entries:
        return {m: f"{run_dir}/scores has no per-clip scores" for m in record.get("metrics") or {}}
    for name, entry in (record.get("metrics") or {}).items():
        if entry.get("status", "ok") != "ok" or entry.get("value") is None:
            out[name] = entry.get("reason") or "no value"
            continue
        ids, per_clip = [], []
        for e in entries:
            r = (e.get("metrics") or {}).get(name)
            if isinstance(r, dict) and r.get("value") is not None:
                ids.append(e["clip_id"])
                per_clip.append({k: v for k, v in r.items() if k != "_key"})
        agg = entry.get("aggregation") or "mean"
        sample = Sample(name, agg, ids, per_clip, _metric_aggregate(name) if agg == "corpus" else None)
        out[name] = _check(sample, entry, run_dir)
    return out


def _check(sample: Sample, entry: Mapping[str, Any], run_dir: Path) -> Sample | str:
    n_rec = entry.get("n_clips")
    if n_rec is not None and n_rec != len(sample.per_clip):
        return (f"{run_dir}/scores has {len(sample.per_clip)} clips with {sample.metric} but the record "
                f"says {n_rec}; run `talkbench merge {run_dir}` to rebuild it")
    try:
        value = float(_Statistic(sample.aggregation, sample.per_clip, sample.aggregate, sample.metric)(
            np.arange(len(sample.per_clip))[None])[0])
    except StatsUnavailable as exc:
        return str(exc)
    if not np.isclose(value, float(entry["value"]), rtol=1e-9, atol=1e-12):
        return (f"{run_dir}/scores give {sample.metric} = {value!r} but the record says {entry['value']!r}; "
                f"run `talkbench merge {run_dir}` to rebuild it")
    return sample


def run_cis(record: Mapping[str, Any], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
            samples: dict | None = None) -> dict[str, dict[str, Any]]:
    """Per metric: ``{"status": "ok", value, low, high, ...}`` or ``{"status": "unavailable", reason}``."""
    out = {}
    for name, sample in (samples if samples is not None else run_samples(record)).items():
        if isinstance(sample, str):
            out[name] = {"status": "unavailable", "reason": sample}
            continue
        try:
            out[name] = {"status": "ok", **bootstrap_ci(sample, n_resamples=n_resamples, seed=seed)}
        except StatsUnavailable as exc:
            out[name] = {"status": "unavailable", "reason": str(exc)}
    return out


def compare_runs(rec_a: Mapping[str, Any], rec_b: Mapping[str, Any], *, metrics: Sequence[str] | None = None,
                 n_resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                 samples: tuple[dict, dict] | None = None) -> list[dict[str, Any]]:
    """``paired_test`` for every metric both runs have (or those named), unavailable ones with a reason.

    ``samples``: the two runs' ``run_samples`` when the caller has read them already.
    """
    sa, sb = samples or (run_samples(rec_a), run_samples(rec_b))
    names = list(metrics) if metrics else [m for m in sa if m in sb]
    out = []
    for name in names:
        a, b = sa.get(name, "not computed in run A"), sb.get(name, "not computed in run B")
        hib = bool(((rec_a.get("metrics") or {}).get(name) or {}).get("higher_is_better", True))
        if isinstance(a, str) or isinstance(b, str):
            why = "; ".join(f"{w}: {s}" for w, s in (("A", a), ("B", b)) if isinstance(s, str))
            out.append({"metric": name, "status": "unavailable", "reason": why, "higher_is_better": hib})
            continue
        try:
            out.append({"status": "ok", "higher_is_better": hib,
                        **paired_test(a, b, higher_is_better=hib, n_resamples=n_resamples, seed=seed)})
        except StatsUnavailable as exc:
            out.append({"metric": name, "status": "unavailable", "reason": str(exc), "higher_is_better": hib})
    return out
