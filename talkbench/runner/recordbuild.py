"""Assemble ``record.json`` and ``per_clip.csv`` from a run's score files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import talkbench
from talkbench.distributed import Shard
from talkbench.errors import TalkbenchError
from talkbench.records import (
    PER_CLIP, SCHEMA_VERSION, environment, git_info, now_iso, summarise_io, write_per_clip_csv, write_record,
)
from talkbench.atomic import read_json
from talkbench.protocols import record_entry
from talkbench.runner.lock import record_lock
from talkbench.runner.markers import markers_of
from talkbench.runner.clipwork import _valid_entry, score_is_current
from talkbench.runner.metricmemory import current_metrics, recalled
from talkbench.runner.metricset import MetricState
from talkbench.runner.plan import RunPlan
from talkbench.runner.scored import scored_io


def _entries(plan: RunPlan) -> list[dict]:
    """Each clip's score file; one that no longer describes the clip's files or video is
    reported stale (its numbers are not counted)."""
    out = []
    for cid in plan.clip_ids:
        e = read_json(plan.scores_path(cid))
        if not isinstance(e, dict) or e.get("clip_id") != cid:
            e = {"clip_id": cid, "video": None, "metrics": {},
                 "failures": [{"clip_id": cid, "stage": "missing", "reason": "no readable scores file"}]}
        elif e.get("video") and _valid_entry(plan, cid, e) is None:
            e = {"clip_id": cid, "video": None, "metrics": {},
                 "failures": [{"clip_id": cid, "stage": "stale", "reason": (
                     "scores do not match the clip's current files or video; re-run the same command")}]}
        out.append(e)
    return out


def _metric_entry(st: MetricState, entries: list[dict]) -> dict[str, Any]:
    m = st.instance
    card = m.card()
    out: dict[str, Any] = {
        "value": None, "n": 0, "n_clips": 0, "label": card["label"], "higher_is_better": m.higher_is_better,
        "version": m.version, "aggregation": m.aggregation, "protocol": None, "weights": st.weights,
        "status": st.status, "reason": st.reason,
    }
    try:
        out["protocol"] = m.protocol()
    except Exception as exc:  # a protocol() that needs load(): keep the options instead
        out["protocol"] = dict(m.options) | {"_protocol_error": str(exc)}
    if st.status != "ok":
        return out
    key = st.key
    per_clip = [e["metrics"][st.name] for e in entries if score_is_current(e, st.name, key)]
    per_clip = [{k: v for k, v in r.items() if k not in ("_key", "_inputs")} for r in per_clip]
    agg = m.aggregate(per_clip) if per_clip else {"value": None, "n": 0}
    out.update({k: v for k, v in agg.items()})
    out["n_clips"] = len(per_clip)
    out["n_failed"] = len(entries) - len(per_clip)  # clips without a score for this metric
    return out


def build_record(plan: RunPlan, states: list[MetricState], entries: list[dict], everything: list[MetricState], *,
                 device: str | None, duration_s: float, shard: Shard | None,
                 effective_options: Mapping[str, Any] | None = None, invocation: Mapping[str, int] | None = None,
                 merged_by: str | None = None, profile: Mapping[str, Any] | None = None,
                 shard_count: int | None = None) -> dict[str, Any]:
    """The run record (schema: talkbench.records.schema.Record) from the score files' ``entries``;
    ``everything``: this invocation's metrics and the remembered ones (``recalled``);
    ``effective_options`` come from a loaded generator (a merge has none); ``shard_count``: the
    split whose markers a merge (``shard`` None) read."""
    created = now_iso()
    failures = [f for e in entries for f in e.get("failures", [])]
    # the markers of the split that built this record, not an earlier invocation's other split
    count = shard.count if shard is not None else shard_count
    shards = [p.stem for p in markers_of(plan.run_dir, count)] if count else []
    shard_facts = shard.as_dict() if shard is not None else ({"count": count} if count else {})
    io_sum = summarise_io(entries)
    ds = plan.dataset
    optional: dict[str, Any] = {}
    if invocation is not None:
        optional["invocation"] = dict(invocation)
    if merged_by is not None:
        optional["merged_by"] = merged_by
    if profile is not None:
        optional["profile"] = dict(profile)
    if plan.video_match is not None:
        optional["evaluate"] = plan.video_match.as_dict()
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": f"{plan.run_dir.name}-{created.replace(':', '').replace('-', '')[:15]}",
        "created_at": created,
        "duration_s": round(float(duration_s), 3),
        "talkbench": {"version": talkbench.__version__, **git_info()},
        "environment": environment(device),
        "model": {"name": plan.model, "version": plan.model_version, "options": plan.options,
                  "checkpoint": plan.checkpoint, "label": plan.label, "weights_overrides": plan.weights,
                  "videos_dir": plan.videos_dir, "effective_options": dict(effective_options or {}),
                  "needs": getattr(plan.generator, "needs", None), "outputs": getattr(plan.generator, "outputs", None)},
        "dataset": {"name": plan.dataset_name, "split": plan.split, "n_clips": len(plan.clip_ids),
                    "split_size": plan.split_size,
                    "limit": plan.limit, "file_list_sha256": ds.file_list_hash(plan.split),
                    "clip_ids_sha256": _ids_hash(plan.clip_ids), "options": plan.dataset_options,
                    "root": plan.data_root, "version": getattr(ds, "version", None),
                    # what the split's clip list is, for datasets without an official one (hdtf)
                    **({"split_source": ds.split_source(plan.split)} if hasattr(ds, "split_source") else {})},
        "seeds": {"seed": plan.seed},
        "io": {"fps": talkbench.DEFAULT_FPS, "sample_rate": talkbench.DEFAULT_SAMPLE_RATE,
               **io_sum, **scored_io(entries, plan.score_from)},
        "metrics": {st.name: _metric_entry(st, entries) for st in everything},
        "failures": failures,
        "n_failed_clips": sum(1 for e in entries if e.get("failures")),
        "coverage": coverage(plan, states, entries),
        "shard": {"merged_from": shards, **shard_facts},
        "run_dir": plan.run_dir.name,
        "generator_weights": dict(plan.generator_weights),
        # the --protocol preset, and whether each recorded metric's options are its values
        "protocol": record_entry(plan.protocol, {st.name: dict(st.instance.options) for st in everything}),
        **optional,
    }


def coverage(plan: RunPlan, states: list[MetricState], entries: list[dict]) -> dict[str, Any]:
    """How much of the run is done: a clip counts as scored when it has no failure and a
    current score of every available metric (a run asking for metrics of which none is
    available scores nothing)."""
    ok = [(st.name, st.key) for st in states if st.status == "ok"]
    asked = bool(states)
    scored, failed = [], []
    for e in entries:
        done = bool(e.get("video")) and not e.get("failures") and (bool(ok) or not asked) and all(
            score_is_current(e, name, key) for name, key in ok)
        (scored if done else failed).append(e["clip_id"])
    return {"clips": len(entries), "scored_clips": len(scored), "failed_clips": failed,
            "split_size": plan.split_size, "complete": not failed,
            "available_metrics": [n for n, _ in ok]}


def _ids_hash(ids: list[str]) -> str:
    import hashlib

    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def finish_run(plan: RunPlan, states: list[MetricState], *, require_all: bool = False, **facts: Any) -> Path:
    """Build the record, then write per_clip.csv (current scores of the record's metrics) and
    record.json last (its presence means the run is complete), under the run's record lock
    (processes sharing a run write it one after the other). Each score file is read once, so
    the record and the CSV describe the same files. ``require_all`` (merge): every clip must
    have a score file. ``facts``: ``build_record``'s keyword arguments."""
    with record_lock(plan.run_dir):
        entries = _entries(plan)
        if require_all:
            missing = [e["clip_id"] for e in entries if [f["stage"] for f in e["failures"]] == ["missing"]]
            if missing:
                raise TalkbenchError(
                    f"{plan.run_dir}: {len(missing)} of {len(plan.clip_ids)} clips have no scores yet "
                    f"(e.g. {missing[0]}); finish the shards first"
                )
        everything = recalled(plan.run_dir, states, entries)  # this invocation's metrics + earlier ones
        record = build_record(plan, states, entries, everything, **facts)
        rows = [dict(e, metrics=current_metrics(e, everything)) for e in entries]
        write_per_clip_csv(plan.run_dir / PER_CLIP, rows, [st.name for st in everything])
        return write_record(plan.run_dir, record)
