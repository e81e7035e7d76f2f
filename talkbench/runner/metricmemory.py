"""Records accumulate: the metrics earlier invocations scored in a run stay in its record.

``talkbench run --metrics psnr`` and later ``--metrics lse_c`` on the same run share its score
files; each invocation notes in ``metrics.json`` how it computed each available metric (resolved
options, weights files, key). The record is built from this invocation's metrics plus every
remembered one that still has current per-clip scores (same key, same inputs), so it always
shows everything the run's clips were scored with, whatever ``--metrics`` said last time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from talkbench.atomic import atomic_write_json, read_json
from talkbench.runner.metricset import MetricState

MEMORY = "metrics.json"


def remember(run_dir: Path, states: list[MetricState]) -> None:
    """Add this invocation's available metrics to ``metrics.json`` (call under the record lock)."""
    path = Path(run_dir) / MEMORY
    known = read_json(path)
    known = known if isinstance(known, dict) else {}
    for st in states:
        if st.status == "ok":
            known[st.name] = {"options": dict(st.instance.options), "weights": st.weights, "key": st.key,
                              "version": st.instance.version}
    atomic_write_json(path, known)


def recalled(run_dir: Path, states: list[MetricState], entries: list[dict]) -> list[MetricState]:
    """``states`` plus remembered metrics with current scores on some of ``entries``. A metric
    unavailable now (its weights moved, say) keeps its earlier, still valid scores."""
    from talkbench.errors import TalkbenchError
    from talkbench.plugins import get_metric
    from talkbench.runner.clipwork import score_is_current

    known = read_json(Path(run_dir) / MEMORY)
    if not isinstance(known, dict):
        return list(states)
    mine = {st.name: st for st in states}
    out = list(states)
    for name in sorted(known):
        info = known[name]
        if not isinstance(info, dict) or (name in mine and mine[name].status == "ok"):
            continue
        try:
            inst = get_metric(name)(**dict(info.get("options") or {}))
        except (TalkbenchError, TypeError, ValueError):
            continue  # the plugin is gone or changed its options: those scores cannot be read back
        st = MetricState(name, inst, weights=list(info.get("weights") or []))
        if st.key != info.get("key") or not any(score_is_current(e, name, st.key) for e in entries):
            continue
        if name in mine:
            out[out.index(mine[name])] = st
        else:
            out.append(st)
    return out


def current_metrics(entry: dict, states: list[MetricState]) -> dict[str, Any]:
    """The entry's scores that count for ``states`` (for per_clip.csv)."""
    from talkbench.runner.clipwork import score_is_current

    return {st.name: entry["metrics"][st.name] for st in states
            if st.status == "ok" and score_is_current(entry, st.name, st.key)}
