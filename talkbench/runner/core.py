"""``run_benchmark``: generate and score a dataset split, streaming, resumable, shardable."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from talkbench import distributed
from talkbench.device import resolve_device
from talkbench.distributed import Shard
from talkbench.errors import TalkbenchError
from talkbench.progress import progress_bar
from talkbench.atomic import atomic_write_json, read_json
from talkbench.runner.clipwork import ClipOutcome, generate_batch, prepare_clip, process_clip, valid_entry
from talkbench.runner.markers import latest_count, markers_of
from talkbench.runner.lock import (
    clean_clip_temps, clean_temps, clip_lock, record_lock, try_acquire, wait_acquire,
)
from talkbench.runner.metricbatch import batch_size, batched_metrics, finish_works
from talkbench.runner.metricmemory import remember
from talkbench.runner.metricset import MetricState, load_metrics
from talkbench.runner import profile as run_profile
from talkbench.runner.plan import RUN_CONFIG, RunPlan, make_plan, plan_from_config, record_plan
from talkbench.runner.recordbuild import finish_run
from talkbench.runner.workers import SOURCE as WORKERS, ClipQueue, WorkerPool, by_cost, check_workers


def execute(plan: RunPlan, *, device: str = "auto", shard: Shard | None = None, progress: bool = True,
            workers: int | str = 1, report: Callable[[str], None] | None = None,
            tasks: ClipQueue | None = None) -> Path:
    """Run ``plan`` for this process's shard; the main shard merges the record when all are done.

    ``workers`` > 1: this process is worker 0 of that many clip-level processes on this machine
    (talkbench.runner.workers); ``report``: called with each finished clip id (a worker's link
    to the parent's progress bar); ``tasks``: a worker's end of the clip queue (its clips are
    the ones it takes, not a fixed share)."""
    t0 = time.time()
    shard = shard or distributed.SINGLE
    # no more workers than clips: an idle worker would only load models
    workers = min(check_workers(workers, shard), max(1, len(plan.clip_ids)))
    if workers > 1:
        shard = Shard(0, workers, WORKERS)
    dev = resolve_device(device)
    if shard.source == "torchrun" and dev.startswith("cuda") and ":" not in dev:
        dev = f"cuda:{shard.local_rank}"
    joined = distributed.init_process_group(shard)
    run_dir = plan.run_dir
    try:
        (run_dir / "scores").mkdir(parents=True, exist_ok=True)
        (run_dir / "locks").mkdir(exist_ok=True)
    except OSError as exc:  # read-only --out, a file in the way, ...
        raise TalkbenchError(
            f"--out {run_dir.parent.parent}: cannot create {run_dir} ({exc.strerror or exc}); "
            "pass a writable --out directory"
        ) from None
    with record_lock(run_dir):  # the lock holder is the only writer of the run's own files
        atomic_write_json(run_dir / RUN_CONFIG, plan.config())
    marker = shard.marker(run_dir)
    marker.unlink(missing_ok=True)
    with run_profile.stage("load models"):
        states = load_metrics(plan.metrics, has_transcripts=plan.has_transcripts, device=dev)
    active = [m for m in states if m.status == "ok"]
    with record_lock(run_dir):
        remember(run_dir, states)
    if plan.generator is not None:
        with run_profile.stage("load models"):
            plan.generator.load(dev, plan.checkpoint["path"] if plan.checkpoint else None)
    pool = None
    if workers > 1:  # after this process's models loaded: a bad weights file fails once, here
        from talkbench.threads import current_threads

        pool = WorkerPool(run_dir, workers, dev, current_threads(), worker_main,
                          by_cost(plan.clip_ids, lambda cid: Path(plan.videos[cid]) if plan.videos and cid in plan.videos else None))
        tasks = pool.tasks
    mine = shard.select(plan.clip_ids) if tasks is None else []  # a worker: filled as it takes clips
    what = f"{plan.model} on {plan.dataset_name}/{plan.split}" + (
        f" [{workers} workers]" if pool is not None
        else f" [shard {shard.index}/{shard.count}]" if shard.is_sharded else "")
    generated = scored = 0
    # a generator that batches (e.g. SyncDiff: many clips per UNet call) gets its clips in groups
    batch = plan.generator.batch_clips() if plan.generator is not None and plan.videos is None else 1
    pending: list[str] = []  # clips another process on this run holds: done after the others
    # a metric that scores many clips per call (WER's batched beam) gets groups of decoded clips
    in_batches = batched_metrics(active)
    group = max([batch] + [batch_size(m) for m in active if m.name in in_batches])

    def count(outcome: ClipOutcome) -> None:
        nonlocal generated, scored
        generated += outcome.generated
        scored += bool(outcome.scored)
        bar.advance()
        if report is not None:
            report(outcome.clip_id)
        if pool is not None:
            pool.poll(bar.advance)

    def one(clip_id: str, ready=None) -> None:
        count(process_clip(plan, clip_id, active, plan.seed, ready))

    total = len(plan.clip_ids) if pool is not None else len(mine)
    with ExitStack() as stack:
        if pool is not None:
            stack.callback(pool.terminate)  # an error or ^C here stops the workers too
        bar = stack.enter_context(progress_bar(total, what, enabled=progress))
        for chunk in _chunks(mine, group, tasks):
            held = {}
            for clip_id in chunk:
                lock = clip_lock(run_dir, clip_id)
                if try_acquire(lock):
                    held[clip_id] = lock
                    _clean_clip(plan, clip_id)
                else:
                    pending.append(clip_id)
            try:
                ids = list(held)
                # each clip's score file checked (its files hashed) once, for both steps below
                checked = {clip_id: valid_entry(plan, clip_id) for clip_id in ids}
                ready = {}
                for g in range(0, len(ids), batch) if batch > 1 else ():
                    part = ids[g: g + batch]
                    ready.update(generate_batch(plan, part, plan.seed, checked) if len(part) > 1 else {})
                works = []
                for clip_id in ids:
                    work = prepare_clip(plan, clip_id, active, plan.seed, ready.pop(clip_id, None), in_batches,
                                        entry=checked[clip_id])
                    if isinstance(work, ClipOutcome):
                        count(work)
                    else:
                        works.append(work)
                for outcome in finish_works(works, active):
                    count(outcome)
            finally:
                for lock in held.values():
                    lock.release()  # no-op for the ones already released
        for clip_id in pending:  # usually finished by the other process meanwhile: found done
            lock = clip_lock(run_dir, clip_id)
            wait_acquire(lock, f"clip {clip_id} of {run_dir}")
            try:
                _clean_clip(plan, clip_id)
                one(clip_id)
            finally:
                lock.release()
        if pool is not None:
            pool.join(bar.advance)  # every worker's clips are on disk before the record is built
    atomic_write_json(marker, {"clips": mine, "metrics": {m.name: m.as_dict() for m in states},
                               "device": dev, "generated": generated, "scored": scored,
                               "finished_at": time.time()})
    if shard.is_sharded:
        if joined:
            distributed.barrier()
            distributed.destroy_process_group()
        elif shard.source == "torchrun" and shard.is_main:
            distributed.wait_for_shards(run_dir, shard.count)
        if not shard.is_main and shard.source in ("torchrun", WORKERS):
            return run_dir
        if shard.source == WORKERS:  # the parent: add the workers' counts to its own
            for i in range(1, shard.count):
                info = read_json(Shard(i, shard.count).marker(run_dir)) or {}
                generated += int(info.get("generated") or 0)
                scored += int(info.get("scored") or 0)
        if shard.source == "manual" and len(distributed.finished_shards(run_dir, shard.count)) < shard.count:
            print(f"talkbench: shard {shard.index}/{shard.count} done; the last shard to finish "
                  f"(or `talkbench merge {run_dir}`) writes the record", flush=True)
            return run_dir
    effective = plan.generator.effective_options() if plan.generator is not None else {}
    prof = run_profile.ACTIVE
    with run_profile.stage("record"):  # the record holds the stages before its own build
        finish_run(record_plan(plan), states, device=dev, duration_s=time.time() - t0, shard=shard,
                   effective_options=effective, invocation={"generated_now": generated, "scored_now": scored, "workers": workers},
                   profile=prof.as_dict() if prof is not None else None)
    return run_dir


def _chunks(mine: list[str], group: int, tasks: ClipQueue | None):
    """This process's clips in groups of ``group``: its fixed share, or (a worker) the next
    clips from the shared queue until it is empty, each appended to ``mine`` as taken."""
    if tasks is None:
        for start in range(0, len(mine), group):
            yield mine[start: start + group]
        return
    while ids := tasks.take(group):
        mine.extend(ids)
        yield ids


def worker_main(run_dir: str, index: int, count: int, device: str, threads: int, report,
                tasks: ClipQueue) -> None:
    """Clip worker ``index`` of ``count`` (a spawned process): the plan from the run's run.json,
    clips from the shared queue until it is empty, each finished clip reported to the parent."""
    from talkbench.threads import apply_threads

    apply_threads(threads)
    plan = plan_from_config(Path(run_dir))
    execute(plan, device=device, shard=Shard(index, count, WORKERS), progress=False, report=report,
            tasks=tasks)


def _clean_clip(plan: RunPlan, clip_id: str) -> None:
    """A killed run's temp files for this clip (the caller holds the clip's lock)."""
    if plan.videos is None:
        clean_clip_temps(plan.video_path(clip_id), plan.scores_path(clip_id))
    else:  # never touch the folder of someone else's videos
        clean_temps(plan.scores_path(clip_id).parent, (plan.scores_path(clip_id).name,))


def run_benchmark(
    model: str, dataset: str, *, split: str | None = None, limit: int | None = None,
    metrics: list[str] | None = None, options: dict[str, Any] | None = None,
    metric_options: dict[str, dict[str, Any]] | None = None, checkpoint: str | Path | None = None,
    weights: dict[str, str | Path] | None = None, device: str = "auto", seed: int = 0,
    out: str | Path = "results", data_root: str | Path | None = None, shard: tuple[int, int] | str | None = None,
    label: str | None = None, progress: bool = True, dataset_options: dict[str, Any] | None = None,
    score_from: str = "lossless", protocol=None, workers: int | str = 1,
) -> Path:
    """Generate with ``model`` on ``dataset`` and score; returns the run directory.

    Re-running the same call resumes (finished clips are not recomputed; metrics added later
    score only what is missing). Under torchrun/accelerate, or with ``shard=(i, N)``, each process
    handles clips ``k`` with ``k % N == i`` and the record is merged once all shards are done.
    """
    shard_obj = distributed.resolve_shard(shard)
    plan = make_plan(
        model, dataset, split=split, limit=limit, metrics=metrics, options=options,
        metric_options=metric_options, checkpoint=checkpoint, weights=weights, seed=seed, out=out,
        data_root=data_root, label=label, dataset_options=dataset_options, score_from=score_from,
        protocol=protocol,
    )
    return execute(plan, device=device, shard=shard_obj, progress=progress, workers=workers)


def merge_run(run_dir: str | Path, *, progress: bool = False) -> Path:
    """Rebuild ``record.json`` of a (sharded) run from its score files (``talkbench merge``)."""
    run_dir = Path(run_dir)
    plan = plan_from_config(run_dir)
    count = latest_count(run_dir)  # the split finished last; other counts are earlier invocations
    states = _states_from_markers(plan, run_dir, count)
    finish_run(plan, states, device=None, duration_s=0.0, shard=None, merged_by="talkbench merge",
               require_all=True, shard_count=count)
    return run_dir


def _states_from_markers(plan: RunPlan, run_dir: Path, count: int | None) -> list[MetricState]:
    """Metric availability as the shards of the merged split saw it (a metric unavailable on
    any of them stays so)."""
    states = plan.metrics
    seen: dict[str, dict] = {}
    for marker in markers_of(run_dir, count) if count else []:
        for name, st in ((read_json(marker) or {}).get("metrics") or {}).items():
            if name not in seen or st.get("status") != "ok":
                seen[name] = st
    for st in states:
        info = seen.get(st.name)
        if info:
            st.status, st.reason, st.weights = info.get("status", "ok"), info.get("reason"), info.get("weights") or []
    return states
