"""``run_benchmark``: generate and score a dataset split, streaming, resumable, shardable."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from talkbench import distributed, fingerprint
from talkbench.device import resolve_device
from talkbench.distributed import Shard
from talkbench.errors import TalkbenchError
from talkbench.metric_options import resolve_metric_options
from talkbench.progress import progress_bar
from talkbench.runner import plan as planning
from talkbench.atomic import atomic_write_json, read_json
from talkbench.runner.clipwork import generate_batch, process_clip
from talkbench.runner.lock import (
    clean_clip_temps, clean_temps, clip_lock, record_lock, try_acquire, wait_acquire,
)
from talkbench.runner.metricmemory import remember
from talkbench.runner.metricset import MetricState, build_metrics
from talkbench.runner.plan import RUN_CONFIG, RunPlan
from talkbench.runner.recordbuild import build_record, finish_run


def _apply_weights(weights: Mapping[str, str | Path] | None) -> dict[str, str]:
    from talkbench.weights import set_weight_override

    out = {}
    for name, path in (weights or {}).items():
        set_weight_override(name, path)
        out[name] = str(Path(path).expanduser().resolve())
    return out


def check_limit(limit: Any) -> int | None:
    """``--limit N`` with N >= 1 (0 would write an empty record over a full one, -1 would
    silently drop the last clip)."""
    if limit is None:
        return None
    try:
        n = int(limit)
    except (TypeError, ValueError):
        raise TalkbenchError(f"--limit {limit!r}: must be a whole number >= 1") from None
    if n < 1:
        raise TalkbenchError(f"--limit {limit}: must be >= 1 (leave --limit out to run every clip)")
    return n


def make_plan(
    model: str, dataset: str, *, split=None, limit=None, metrics=None, options=None, metric_options=None,
    checkpoint=None, weights=None, seed=0, out="results", data_root=None, label=None,
    dataset_options=None, videos: dict[str, Path] | None = None, videos_dir: str | None = None,
    score_from: str = "lossless", protocol=None,
) -> tuple[RunPlan, dict[str, Any]]:
    """Resolve names, options, clips and the run directory; nothing is generated yet."""
    from talkbench.plugins import get_generator, get_metrics

    from talkbench.runner.scored import SCORE_FROM

    if score_from not in SCORE_FROM:
        raise TalkbenchError(f"--score-from {score_from!r}: use one of {', '.join(SCORE_FROM)}")
    if videos is not None:
        score_from = "lossless"  # evaluate scores the external file itself; the option does not apply
    weights_used = _apply_weights(weights)
    ds, root = planning.make_dataset(dataset, data_root, dataset_options)
    split = split or ds.default_split
    if split not in ds.splits:
        raise TalkbenchError(f"dataset {dataset} has no split {split!r}; splits: {', '.join(ds.splits)}")
    all_ids = sorted(ds.clip_ids(split))
    limit = check_limit(limit)
    ids = all_ids[:limit] if limit is not None else all_ids
    has_tr = planning.dataset_has_transcripts(ds, split, ids)
    names = list(metrics) if metrics is not None else planning.default_metrics(get_metrics(), has_tr)
    # dataset defaults, then the protocol preset's (--protocol), then the user's; option groups
    # (syncnet.net=...) reach every member
    preset, prov = _preset_layers(protocol, names, metric_options)
    metric_options = resolve_metric_options(names, metric_options, ds.metric_defaults, get_metrics(), preset=preset)
    # unknown metric names and bad metric options fail here, before any directory is made
    build_metrics(names, metric_options or {}, has_transcripts=has_tr, device=None, load=False)
    if videos is None:
        gen_cls = get_generator(model)
        generator = gen_cls(**dict(options or {}))
        version, resolved = gen_cls.version, dict(generator.options)
        gen_weights = planning.generator_weights_digest(gen_cls)
    else:  # evaluate: the "model" is a folder of videos made elsewhere
        generator, version, resolved, gen_weights = None, "external", {}, {}
    ckpt = planning.checkpoint_info(checkpoint)
    knobs = {o.name for o in (gen_cls.option_specs() if videos is None else ()) if not o.affects_output}
    resolved_root = fingerprint.data_root_of(ds)
    key = planning.run_key(
        model=model, model_version=version, options={k: v for k, v in resolved.items() if k not in knobs},
        checkpoint=ckpt, gen_weights=gen_weights,
        dataset=dataset, dataset_options=dict(ds.options), split=split, seed=seed,
        videos={k: str(v) for k, v in videos.items()} if videos else None, data_root=resolved_root,
        score_from=score_from,
    )
    plan = RunPlan(
        model=model, model_version=version, generator=generator, options=resolved, checkpoint=ckpt,
        dataset_name=dataset, dataset=ds, dataset_options=dict(ds.options), data_root=resolved_root or root,
        split=split,
        clip_ids=ids, limit=limit, metric_names=names, metric_options={k: dict(v) for k, v in (metric_options or {}).items()},
        seed=seed, run_dir=planning.run_dir_for(out, model, dataset, split, key), label=label,
        weights=weights_used, videos=videos, videos_dir=videos_dir,
        explicit_data_root=str(data_root) if data_root else None,
        sources=fingerprint.clip_sources(ds, split, ids), split_size=len(all_ids), score_from=score_from,
        protocol=prov,
    )
    return plan, {"has_transcripts": has_tr, "generator_weights": gen_weights}


def _preset_layers(protocol, names: list[str], user) -> tuple[dict | None, dict | None]:
    """``--protocol``: a name or a talkbench.Protocol -> (its options for this run's metrics,
    the provenance the record keeps); (None, None) without one."""
    if protocol is None:
        return None, None
    from talkbench.metric_options import expand_layer
    from talkbench.plugins import get_metrics, get_protocol
    from talkbench.protocols import Protocol, provenance

    proto = protocol if isinstance(protocol, Protocol) else get_protocol(str(protocol))
    classes = get_metrics()
    layer = expand_layer(proto.options, names, classes)
    return proto.options, provenance(proto, names, layer, expand_layer(user, names, classes), classes)


def execute(plan: RunPlan, *, device: str = "auto", shard: Shard | None = None, progress: bool = True,
            has_transcripts: bool = True, extra: Mapping[str, Any] | None = None) -> Path:
    """Run ``plan`` for this process's shard; the main shard merges the record when all are done."""
    t0 = time.time()
    shard = shard or distributed.SINGLE
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
    states = build_metrics(plan.metric_names, plan.metric_options, has_transcripts=has_transcripts, device=dev)
    active = [m for m in states if m.status == "ok"]
    with record_lock(run_dir):
        remember(run_dir, states)
    if plan.generator is not None:
        plan.generator.load(dev, plan.checkpoint["path"] if plan.checkpoint else None)
    mine = shard.select(plan.clip_ids)
    what = f"{plan.model} on {plan.dataset_name}/{plan.split}" + (f" [shard {shard.index}/{shard.count}]" if shard.is_sharded else "")
    generated = scored = 0
    # a generator that batches (e.g. SyncDiff: many clips per UNet call) gets its clips in groups
    batch = plan.generator.batch_clips() if plan.generator is not None and plan.videos is None else 1
    pending: list[str] = []  # clips another process on this run holds: done after the others

    def one(clip_id: str, ready=None) -> None:
        nonlocal generated, scored
        outcome = process_clip(plan, clip_id, active, plan.seed, ready)
        generated += outcome.generated
        scored += bool(outcome.scored)
        bar.advance()

    with progress_bar(len(mine), what, enabled=progress) as bar:
        for start in range(0, len(mine), batch):
            chunk = mine[start: start + batch]
            held = {}
            for clip_id in chunk:
                lock = clip_lock(run_dir, clip_id)
                if try_acquire(lock):
                    held[clip_id] = lock
                    _clean_clip(plan, clip_id)
                else:
                    pending.append(clip_id)
            try:
                ready = generate_batch(plan, list(held), plan.seed) if batch > 1 and len(held) > 1 else {}
                for clip_id, lock in held.items():
                    try:
                        one(clip_id, ready.get(clip_id))
                    finally:
                        lock.release()
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
    atomic_write_json(marker, {"clips": mine, "metrics": {m.name: m.as_dict() for m in states},
                               "device": dev, "generated": generated, "finished_at": time.time()})
    if shard.is_sharded:
        if joined:
            distributed.barrier()
            distributed.destroy_process_group()
        elif shard.source == "torchrun" and shard.is_main:
            distributed.wait_for_shards(run_dir, shard.count)
        if not shard.is_main and shard.source == "torchrun":
            return run_dir
        if shard.source == "manual" and len(distributed.finished_shards(run_dir, shard.count)) < shard.count:
            print(f"talkbench: shard {shard.index}/{shard.count} done; the last shard to finish "
                  f"(or `talkbench merge {run_dir}`) writes the record", flush=True)
            return run_dir
    effective = plan.generator.effective_options() if plan.generator is not None else {}
    plan = record_plan(plan)
    record = build_record(plan, states, device=dev, duration_s=time.time() - t0, shard=shard,
                          effective_options=effective,
                          extra=dict(extra or {}, invocation={"generated_now": generated, "scored_now": scored}))
    finish_run(plan, record, states)
    return run_dir


def record_plan(plan: RunPlan) -> RunPlan:
    """The plan the record is built for: a ``--limit`` run whose run directory already holds
    the record of a fuller run (no limit, or a larger one) keeps that record's clips, so that
    a quick look never replaces a complete record with a partial one."""
    if plan.limit is None:
        return plan
    prev = read_json(plan.run_dir / "record.json")
    prev_ds = prev.get("dataset") if isinstance(prev, dict) else None
    if not isinstance(prev_ds, dict):
        return plan
    prev_limit = prev_ds.get("limit")
    if prev_limit is not None and int(prev_limit) <= plan.limit:
        return plan
    full = sorted(plan.dataset.clip_ids(plan.split))
    wide = full[: int(prev_limit)] if prev_limit is not None else full
    videos = plan.videos
    if videos is not None:  # evaluate: the folder's videos for the wider clip list
        from talkbench.runner.evaluate import match_videos

        videos = match_videos(Path(plan.videos_dir), wide).matched if plan.videos_dir else videos
        wide = sorted(videos)
    if len(wide) <= len(plan.clip_ids):
        return plan
    print(f"talkbench: --limit {plan.limit}: {plan.run_dir.name} already has a record of {len(wide)} clips; "
          "it is updated, not replaced", file=sys.stderr)
    return replace(plan, clip_ids=wide, limit=prev_limit, videos=videos,
                   sources={**fingerprint.clip_sources(plan.dataset, plan.split, wide), **plan.sources})


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
    score_from: str = "lossless", protocol=None,
) -> Path:
    """Generate with ``model`` on ``dataset`` and score; returns the run directory.

    Re-running the same call resumes (finished clips are not recomputed; metrics added later
    score only what is missing). Under torchrun/accelerate, or with ``shard=(i, N)``, each process
    handles clips ``k`` with ``k % N == i`` and the record is merged once all shards are done.
    """
    shard_obj = distributed.resolve_shard(shard)
    plan, facts = make_plan(
        model, dataset, split=split, limit=limit, metrics=metrics, options=options,
        metric_options=metric_options, checkpoint=checkpoint, weights=weights, seed=seed, out=out,
        data_root=data_root, label=label, dataset_options=dataset_options, score_from=score_from,
        protocol=protocol,
    )
    return execute(plan, device=device, shard=shard_obj, progress=progress,
                   has_transcripts=facts["has_transcripts"], extra={"generator_weights": facts["generator_weights"]})


def merge_run(run_dir: str | Path, *, progress: bool = False) -> Path:
    """Rebuild ``record.json`` of a (sharded) run from its score files (``talkbench merge``)."""
    run_dir = Path(run_dir)
    cfg = read_json(run_dir / RUN_CONFIG)
    if not isinstance(cfg, dict):
        raise TalkbenchError(f"{run_dir}: no readable {RUN_CONFIG}; is this a talkbench run directory?")
    plan, facts = make_plan(
        cfg["model"], cfg["dataset"], split=cfg["split"], limit=cfg.get("limit"), metrics=cfg["metrics"],
        options=cfg.get("options") if not cfg.get("videos_dir") else None,
        metric_options=cfg.get("metric_options"), checkpoint=cfg.get("checkpoint"), weights=cfg.get("weights"),
        seed=cfg.get("seed", 0), out=run_dir.parent.parent, data_root=cfg.get("explicit_data_root"),
        label=cfg.get("label"), dataset_options=cfg.get("dataset_options"),
        videos=_videos_for(cfg) if cfg.get("videos_dir") else None, videos_dir=cfg.get("videos_dir"),
        score_from=cfg.get("score_from") or "lossless",
    )
    plan.run_dir = run_dir  # the directory given, even if moved
    plan.protocol = cfg.get("protocol")  # its values are in the stored metric_options already
    if plan.videos is not None:
        plan.clip_ids = sorted(plan.videos)
    states = _states_from_markers(plan, run_dir, facts["has_transcripts"])
    missing = [c for c in plan.clip_ids if read_json(plan.scores_path(c)) is None]
    if missing:
        raise TalkbenchError(
            f"{run_dir}: {len(missing)} of {len(plan.clip_ids)} clips have no scores yet "
            f"(e.g. {missing[0]}); finish the shards first"
        )
    record = build_record(plan, states, device=None, duration_s=0.0, shard=None, extra={"merged_by": "talkbench merge"})
    finish_run(plan, record, states)
    return run_dir


def _videos_for(cfg: dict) -> dict[str, Path]:
    from talkbench.runner.evaluate import match_videos

    ds, _ = planning.make_dataset(cfg["dataset"], cfg.get("explicit_data_root"), cfg.get("dataset_options"))
    ids = sorted(ds.clip_ids(cfg["split"]))
    return match_videos(Path(cfg["videos_dir"]), ids).matched


def _states_from_markers(plan: RunPlan, run_dir: Path, has_transcripts: bool) -> list[MetricState]:
    """Metric availability as the shards saw it (a metric unavailable on any shard stays so)."""
    states = build_metrics(plan.metric_names, plan.metric_options, has_transcripts=has_transcripts,
                           device=None, load=False)
    seen: dict[str, dict] = {}
    for marker in sorted((run_dir / "shards").glob("*.json")):
        for name, st in ((read_json(marker) or {}).get("metrics") or {}).items():
            if name not in seen or st.get("status") != "ok":
                seen[name] = st
    for st in states:
        info = seen.get(st.name)
        if info:
            st.status, st.reason, st.weights = info.get("status", "ok"), info.get("reason"), info.get("weights") or []
    return states
