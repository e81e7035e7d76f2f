"""One clip through the pipeline: load → generate → check → write mp4 → decode → score.

Each clip's results live in ``scores/<clip_id>.json`` (written atomically), so a run killed at
any point loses at most the clip in flight. A cache entry is reused only if it parses, was made
from the clip's current files (their fingerprint), and its video exists with the sha256 stored
in it; a metric's score is reused only if its key (name, version, output options, weights
sha256) and its inputs (scored file, reference) are unchanged. Anything else is recomputed.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from talkbench import fingerprint
from talkbench.clip import Clip
from talkbench.errors import ClipFailure, TalkbenchError
from talkbench.interfaces import AGG_CORPUS
from talkbench.hashing import sha256_file
from talkbench.atomic import WriteError, atomic_write_json, read_json
from talkbench.runner.metricset import MetricState
from talkbench.runner.plan import RunPlan
from talkbench.runner.profile import stage
from talkbench.runner.scored import check_generated  # noqa: F401  (moved; kept importable here)
from talkbench.runner.scored import external as _external
from talkbench.runner.scored import generate as _generate
from talkbench.runner.scored import save_generated as _save_generated
from talkbench.runner.scored import scored_clip as _scored_clip
from talkbench.runner.scored import scored_file_intact

SCORES_VERSION = 2  # 2: metric keys hold weights; entries hold the source fingerprint


@dataclass
class ClipOutcome:
    clip_id: str
    generated: bool = False        # the generator ran for this clip in this invocation
    scored: list[str] | None = None  # metrics computed in this invocation
    failed: bool = False


def failure(clip_id: str, stage: str, exc: BaseException) -> dict[str, Any]:
    """A recorded failure: clip id, stage, one-line reason, and a short traceback."""
    reason = str(exc) if isinstance(exc, TalkbenchError) else f"{type(exc).__name__}: {exc}"
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))
    return {"clip_id": clip_id, "stage": stage, "reason": reason.splitlines()[0] if reason else stage,
            "traceback": tb[-2000:]}


def _valid_entry(plan: RunPlan, clip_id: str, entry: Any) -> dict | None:
    """The cached entry if it is intact: it parses, is this clip's, was made from the clip's
    current files, and its video is present with the sha256 stored in it."""
    if not isinstance(entry, dict) or entry.get("clip_id") != clip_id or not isinstance(entry.get("metrics"), dict):
        return None
    if entry.get("scores_version") != SCORES_VERSION:
        return None  # an older key scheme: recompute rather than trust it
    if entry.get("source") != plan.sources.get(clip_id):
        return None  # the clip's video/audio/transcript changed since: redo it
    video = entry.get("video")
    if not video:
        return None  # the generator failed last time: try again
    path = plan.video_path(clip_id)
    if not path.is_file() or sha256_file(path) != video.get("sha256"):
        return None
    if not scored_file_intact(plan, clip_id, video):
        return None
    return entry


def valid_entry(plan: RunPlan, clip_id: str) -> dict | None:
    """The clip's score file if it is intact (``_valid_entry``); hashes its video and scored
    file (memoised by path/size/mtime), so the clip loop checks each clip once and hands the
    result to ``generate_batch`` and ``prepare_clip`` (the clip's lock keeps it true between)."""
    return _valid_entry(plan, clip_id, read_json(plan.scores_path(clip_id)))


#: ``prepare_clip(entry=...)`` not given: it reads and checks the score file itself
UNCHECKED: Any = object()


def score_is_current(entry: dict, name: str, key: str) -> bool:
    """Whether ``entry`` holds a score of metric ``name`` made with ``key`` on its own inputs."""
    done = entry.get("metrics", {}).get(name)
    return isinstance(done, dict) and done.get("_key") == key and done.get("_inputs") == fingerprint.inputs_key(entry)


def _missing(entry: dict | None, metrics: list[MetricState]) -> list[MetricState]:
    if entry is None:
        return list(metrics)
    return [m for m in metrics if not score_is_current(entry, m.name, m.key)]


def generate_batch(plan: RunPlan, clip_ids: list[str], seed: int, checked: dict[str, dict | None] | None = None
                   ) -> dict[str, tuple[Clip, dict | Exception]]:
    """The clips of ``clip_ids`` that still need a video, generated with one ``generate_batch``
    call (a model that batches serves them all per network call). Returns clip id → (source,
    video part of the entry, or the exception of that clip's check/write).

    Empty when fewer than two clips need generating, or when the batch call raised: one bad clip
    (too short, no face) must not cost the others, so those go through ``process_clip`` one by
    one, where each failure is recorded on its own clip. ``checked``: clip id → its
    ``valid_entry`` as the caller already found it (not checked again).
    """
    sources: dict[str, Clip] = {}
    for clip_id in clip_ids:
        entry = checked[clip_id] if checked is not None and clip_id in checked else valid_entry(plan, clip_id)
        if entry is not None:
            continue
        try:
            sources[clip_id] = plan.dataset.load_clip(plan.split, clip_id)
        except Exception:  # process_clip records the load failure on its clip
            continue
    if len(sources) < 2:
        return {}
    t0 = time.perf_counter()
    try:
        with stage("generate"):
            outs = plan.generator.generate_batch([(s, s.audio) for s in sources.values()], seed=seed)
        if len(outs) != len(sources):
            raise ClipFailure(f"generate_batch returned {len(outs)} clips for {len(sources)}")
    except Exception:  # retried clip by clip, where the failure lands on the right clip
        return {}
    seconds = (time.perf_counter() - t0) / len(sources)
    ready: dict[str, tuple[Clip, dict | Exception]] = {}
    for (clip_id, source), out in zip(sources.items(), outs):
        try:
            with stage("write"):
                ready[clip_id] = (source, dict(_save_generated(plan, source, out, seconds), batch=len(sources)))
        except WriteError:
            raise
        except Exception as exc:  # this clip's frames are bad: recorded on it
            ready[clip_id] = (source, exc)
    return ready


def _check_result(result: Any, metric: str, aggregation: str = "mean") -> dict:
    if not isinstance(result, dict) or "value" not in result:
        raise ClipFailure(f"metric {metric} returned {type(result).__name__} without a 'value'")
    if result["value"] is None and aggregation == AGG_CORPUS:
        # a corpus statistic (FID, FVD) has no per-clip number; the clip's features carry it
        return dict(result)
    value = float(result["value"])
    if not np.isfinite(value):
        raise ClipFailure(f"metric {metric} returned a non-finite value ({value})")
    return dict(result, value=value)


@dataclass
class ClipWork:
    """A decoded clip whose batched metrics are still to come (``prepare_clip`` → ``finish_clip``)."""
    plan: RunPlan
    outcome: ClipOutcome
    entry: dict
    source: Clip
    scored: Clip
    io_meta: dict
    scored_video_io: Any
    batched: list[MetricState]  # the metrics left for ``finish_clip`` (computed over many clips)


def process_clip(plan: RunPlan, clip_id: str, metrics: list[MetricState], seed: int,
                 ready: tuple[Clip, dict | Exception] | None = None) -> ClipOutcome:
    """Bring ``scores/<clip_id>.json`` up to date for ``metrics`` (those with status ok).

    ``ready``: this clip's source and video from ``generate_batch`` (already written).
    """
    work = prepare_clip(plan, clip_id, metrics, seed, ready)
    return work if isinstance(work, ClipOutcome) else finish_clip(work, {})


def prepare_clip(plan: RunPlan, clip_id: str, metrics: list[MetricState], seed: int,
                 ready: tuple[Clip, dict | Exception] | None = None,
                 batched: frozenset[str] = frozenset(), entry: Any = UNCHECKED) -> ClipOutcome | ClipWork:
    """``process_clip`` up to the metrics named in ``batched``: every other metric is computed
    (and the score file written) as ``process_clip`` does. When a batched metric still needs
    this clip, the decoded clip comes back as a ``ClipWork`` for ``finish_clip``; else the outcome.
    ``entry``: the clip's ``valid_entry`` when the caller already checked it (under its lock).
    """
    outcome = ClipOutcome(clip_id)
    path = plan.scores_path(clip_id)
    if entry is UNCHECKED:
        entry = valid_entry(plan, clip_id)
    todo = _missing(entry, metrics)
    if entry is not None and not todo:
        return outcome
    try:
        with stage("load"):
            source = ready[0] if ready is not None else plan.dataset.load_clip(plan.split, clip_id)
        io_meta = source.meta.get("io", {}) if isinstance(source.meta, dict) else {}
    except Exception as exc:  # a broken file in the dataset: record it, go on
        _write(path, {"scores_version": SCORES_VERSION, "clip_id": clip_id, "source": plan.sources.get(clip_id),
                      "video": None, "metrics": {}, "failures": [failure(clip_id, "load", exc)]})
        outcome.failed = True
        return outcome
    if entry is None:
        entry = {"scores_version": SCORES_VERSION, "clip_id": clip_id, "source": plan.sources.get(clip_id),
                 "video": None, "metrics": {}, "failures": []}
        try:
            if ready is not None:
                if isinstance(ready[1], Exception):
                    raise ready[1]
                entry["video"] = ready[1]
            else:
                entry["video"] = _external(plan, clip_id) if plan.videos is not None else _generate(plan, source, seed)
            outcome.generated = True
        except WriteError:
            raise  # disk full: fatal, the run stops and can be resumed
        except Exception as exc:  # the generator crashed on this clip: record it, go on
            entry["failures"].append(failure(clip_id, "generate", exc))
        todo = list(metrics) if entry["video"] else []
    redo = {m.name for m in todo}
    # failures of what is recomputed now are replaced by this attempt's outcome
    entry["failures"] = [f for f in entry.get("failures", [])
                         if not (f.get("metric") in redo or (redo and f.get("stage") == "decode"))]
    scored_video_io = None
    if todo:
        try:
            with stage("decode"):
                keep = any(_uses_yuv420(m) for m in todo)
                scored = _scored_clip(plan, source, entry["video"], keep_yuv420=keep)
                scored.frames  # decode now so that a bad video is one failure, not one per metric
            scored_video_io = scored.meta["io"]["video"]
        except Exception as exc:  # an unreadable generated/external video
            entry["failures"].append(failure(clip_id, "decode", exc))
            todo = []
        outcome.scored = []
        for m in todo:
            if m.name not in batched:
                try:
                    with stage(f"metric:{m.name}"):
                        result = m.instance.compute(scored, source)
                except Exception as exc:  # one metric failing on one clip is recorded, not fatal
                    result = exc
                record_score(entry, outcome, m, result)
    work = ClipWork(plan, outcome, entry, source, scored if todo else None, io_meta, scored_video_io,
                    [m for m in todo if m.name in batched])
    return work if work.batched else finish_clip(work, {})


def _uses_yuv420(m: MetricState) -> bool:
    ask = getattr(m.instance, "uses_yuv420", None)
    return bool(ask()) if callable(ask) else False


def record_score(entry: dict, outcome: ClipOutcome, m: MetricState, result: Any) -> None:
    """Store metric ``m``'s result (or the exception that is its failure) on the clip's entry."""
    clip_id = entry["clip_id"]
    try:
        if isinstance(result, Exception):
            raise result
        result = _check_result(result, m.name, getattr(m.instance, "aggregation", "mean"))
        entry["metrics"][m.name] = dict(result, _key=m.key, _inputs=fingerprint.inputs_key(entry))
        outcome.scored.append(m.name)
    except Exception as exc:  # one metric failing on one clip is recorded, not fatal
        entry["metrics"].pop(m.name, None)
        entry["failures"].append(failure(clip_id, f"metric:{m.name}", exc) | {"metric": m.name})


def finish_clip(work: ClipWork, results: dict[str, Any]) -> ClipOutcome:
    """Record the batched metrics' ``results`` (name → result or exception) and write the file."""
    plan, entry, outcome, io_meta = work.plan, work.entry, work.outcome, work.io_meta
    for m in work.batched:
        record_score(entry, outcome, m, results.get(m.name, ClipFailure(f"metric {m.name}: no batched result")))
    if plan.videos is not None and work.scored_video_io:
        io_meta = {**io_meta, "video": work.scored_video_io}
    entry["io"] = io_meta or entry.get("io", {})
    entry["n_frames"] = entry.get("n_frames") or _safe_len(work.source)
    outcome.failed = bool(entry["failures"])
    _write(plan.scores_path(outcome.clip_id), entry)
    return outcome


def _safe_len(source: Clip) -> int | None:
    src = source.frames_source
    return int(len(src)) if isinstance(src, np.ndarray) else None


def _write(path, entry: dict) -> None:
    with stage("write scores"):
        atomic_write_json(path, entry)
