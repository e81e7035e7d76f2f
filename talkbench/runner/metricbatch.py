"""Metrics that score several decoded clips per call (``Metric.compute_batch``, e.g. WER's
batched beam search): the runner prepares a group of clips (generated, written, decoded, the
per-clip metrics scored), then runs each batching metric over the group and writes each clip's
score file. The semantics are those of scoring clip by clip: a clip's failure is recorded on that
clip only, and when a batch call itself raises, its clips are scored one by one, so the failure
lands on the clip that caused it.
"""

from __future__ import annotations

from typing import Any

from talkbench.errors import ClipFailure
from talkbench.runner.clipwork import ClipOutcome, ClipWork, finish_clip
from talkbench.runner.metricset import MetricState
from talkbench.runner.profile import stage


def batch_size(m: MetricState) -> int:
    try:
        return max(1, int(m.instance.batch_clips()))
    except Exception:  # a broken plugin method: score its clips one by one
        return 1


def batched_metrics(active: list[MetricState]) -> frozenset[str]:
    """Names of the metrics that asked for more than one clip per call."""
    return frozenset(m.name for m in active if batch_size(m) > 1)


def _one(m: MetricState, generated, reference) -> Any:
    try:
        return m.instance.compute(generated, reference)
    except Exception as exc:  # this clip's failure
        return exc


def _compute(m: MetricState, pairs: list) -> list[Any]:
    try:
        out = list(m.instance.compute_batch(pairs))
        if len(out) != len(pairs):
            raise ClipFailure(f"metric {m.name}: compute_batch returned {len(out)} results for {len(pairs)} clips")
        return out
    except Exception:  # retried clip by clip, where the failure lands on the right clip
        return [_one(m, g, r) for g, r in pairs]


def finish_works(works: list[ClipWork], active: list[MetricState]) -> list[ClipOutcome]:
    """Run every batched metric over the clips that need it, then write each clip's scores."""
    results: list[dict[str, Any]] = [{} for _ in works]
    for m in active:
        idx = [i for i, w in enumerate(works) if any(b.name == m.name for b in w.batched)]
        size = batch_size(m)
        for start in range(0, len(idx), size):
            part = idx[start: start + size]
            with stage(f"metric:{m.name}"):
                got = _compute(m, [(works[i].scored, works[i].source) for i in part])
            for i, res in zip(part, got):
                results[i][m.name] = res
    return [finish_clip(w, r) for w, r in zip(works, results)]
