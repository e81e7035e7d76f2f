"""A run's plan: which generator, dataset, clips, metrics, and the run directory's name.

The run directory ``<out>/runs/<model>-<dataset>-<split>-<hash12>`` is keyed by everything that
changes the generated videos: model name+version, resolved options, checkpoint sha256, the
generator's weights files, dataset name+options, the resolved data root, split and seed.
``--limit`` is not part of it, so ``--limit 10`` and then the full split share (and resume) one
cache. Each clip's files are fingerprinted (``sources``): a clip whose files changed is redone.

``make_plan`` is the one place a run is resolved: ``run``, ``evaluate`` and ``merge`` all call it,
and what it returns is everything ``execute`` and the record builder use (dataset, clips,
transcripts, generator weights, the metrics, the external videos): nothing is recomputed or
patched in afterwards.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from talkbench import fingerprint
from talkbench.atomic import read_json
from talkbench.errors import TalkbenchError
from talkbench.hashing import sha256_file, sha256_json
from talkbench.interfaces import NEEDS_TRANSCRIPT, Dataset, Generator
from talkbench.metric_options import resolve_metric_options
from talkbench.runner.metricset import MetricState, make_metrics
from talkbench.videofiles import VideoMatch, match_videos

RUN_CONFIG = "run.json"


@dataclass
class RunPlan:
    model: str
    model_version: str
    generator: Generator | None
    options: dict[str, Any]
    checkpoint: dict[str, str] | None
    dataset_name: str
    dataset: Dataset
    dataset_options: dict[str, Any]
    data_root: str | None
    split: str
    clip_ids: list[str]
    limit: int | None
    metric_names: list[str]
    metric_options: dict[str, dict[str, Any]]
    seed: int
    run_dir: Path
    label: str | None = None
    weights: dict[str, str] = field(default_factory=dict)
    #: evaluate mode: clip id -> an existing video made by another tool
    videos: dict[str, Path] | None = None
    videos_dir: str | None = None
    explicit_data_root: str | None = None
    #: clip id -> content fingerprint of its files (talkbench.fingerprint.clip_sources)
    sources: dict[str, str | None] = field(default_factory=dict)
    #: how many clips the split holds (tables mark numbers computed on fewer)
    split_size: int | None = None
    #: what the metrics score: "lossless" (the generator's frames) or "encoded" (the mp4)
    score_from: str = "lossless"
    #: whether the dataset gives transcripts (metrics that need them are unavailable otherwise)
    has_transcripts: bool = True
    #: sha256 of each weights file the generator declares (part of the run key; in the record)
    generator_weights: dict[str, str | None] = field(default_factory=dict)
    #: the run's metrics, built once here; ``execute`` loads them, a merge reads their state
    metrics: list[MetricState] = field(default_factory=list)
    #: evaluate mode: which files of ``videos_dir`` matched which clips, and which did not
    video_match: VideoMatch | None = None
    #: the protocol preset applied (talkbench.protocols.provenance: name, version, the values
    #: it set, which --metric-option overrode); its values are already in metric_options
    protocol: dict[str, Any] | None = None

    def video_path(self, clip_id: str) -> Path:
        if self.videos is not None:
            return self.videos[clip_id]
        return self.run_dir / "videos" / f"{clip_id}.mp4"

    def scores_path(self, clip_id: str) -> Path:
        return self.run_dir / "scores" / f"{_safe(clip_id)}.json"

    def config(self) -> dict[str, Any]:
        """What ``talkbench merge`` needs to rebuild this plan (stored as run.json)."""
        return {
            "model": self.model, "options": self.options, "dataset": self.dataset_name,
            "dataset_options": self.dataset_options, "data_root": self.data_root,
            "explicit_data_root": self.explicit_data_root,
            "split": self.split, "limit": self.limit, "metrics": self.metric_names,
            "metric_options": self.metric_options, "seed": self.seed, "label": self.label,
            "checkpoint": self.checkpoint["path"] if self.checkpoint else None,
            "weights": self.weights, "videos_dir": self.videos_dir, "score_from": self.score_from,
            "protocol": self.protocol,
        }


_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")


def _safe(clip_id: str) -> str:
    """One file name per clip id, injective: every byte outside [A-Za-z0-9_.-] (the '/' of
    LRS2's ``spk/00001``, spaces, '%' itself) becomes %XX, and a leading '.' too (no hidden
    files, no '..'). So ``a b/c`` and ``a b__c`` never share a score file."""
    out = []
    for i, ch in enumerate(clip_id):
        if ch in _PLAIN and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out) or "%"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def checkpoint_info(checkpoint: str | Path | None) -> dict[str, str] | None:
    """Path + sha256 of a checkpoint file, or of a checkpoint directory (sorted file hashes)."""
    if checkpoint is None:
        return None
    p = Path(checkpoint).expanduser()
    if p.is_file():
        return {"path": str(p.resolve()), "sha256": sha256_file(p)}
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file())
        digest = sha256_json([[str(f.relative_to(p)), sha256_file(f)] for f in files])
        return {"path": str(p.resolve()), "sha256": digest}
    raise TalkbenchError(f"--checkpoint {checkpoint}: no such file or directory")


def generator_weights_digest(gen_cls) -> dict[str, str | None]:
    """sha256 of each weights file the generator declares (None when not present here)."""
    from talkbench.errors import WeightsInvalidError, WeightsMissingError
    from talkbench.weights import resolve_weight

    out: dict[str, str | None] = {}
    for name in getattr(gen_cls, "weights", ()) or ():
        try:
            out[name] = sha256_file(resolve_weight(name))
        except (WeightsMissingError, WeightsInvalidError):
            out[name] = None
    return out


def make_dataset(name: str, data_root: str | Path | None, options: Mapping[str, Any] | None) -> tuple[Dataset, str | None]:
    from talkbench.plugins import get_dataset

    ds_cls = get_dataset(name)
    # only an explicit root is passed: datasets read $TALKBENCH_DATA themselves (it may hold
    # several datasets as <name>/ folders), and the demo keeps its own cache
    dataset = ds_cls(root=data_root, **dict(options or {}))
    recorded = data_root or (os.environ.get("TALKBENCH_DATA") if ds_cls.needs_root else None)
    return dataset, (str(recorded) if recorded else None)


def dataset_has_transcripts(dataset: Dataset, split: str, ids: list[str], tries: int = 8) -> bool:
    """The dataset's own claim (``has_transcripts``), else whether its first loadable clip has
    one: an unreadable clip is not this check's business (its own run records the failure)."""
    claim = getattr(dataset, "has_transcripts", None)
    if claim is not None:
        return bool(claim)
    for clip_id in ids[:tries]:
        try:
            return dataset.load_clip(split, clip_id).transcript is not None
        except Exception:  # noqa: BLE001  that clip fails on its own later, with its reason
            continue
    return False


def default_metrics(metric_classes: Mapping[str, Any], has_transcripts: bool) -> list[str]:
    """Every registered metric whose needs this dataset satisfies, in name order."""
    return sorted(n for n, c in metric_classes.items() if has_transcripts or NEEDS_TRANSCRIPT not in c.needs)


def run_key(
    *, model: str, model_version: str, options: Mapping, checkpoint: dict | None, gen_weights: Mapping,
    dataset: str, dataset_options: Mapping, split: str, seed: int, videos: Mapping[str, str] | None = None,
    data_root: str | None = None, score_from: str = "lossless",
) -> str:
    # the root only when there is one, so that runs on root-less datasets keep their directory
    where = {"data_root": data_root} if data_root else {}
    # scoring the encoded mp4 gives other numbers from the same videos: its own run (and record)
    if score_from != "lossless":
        where["score_from"] = score_from
    return sha256_json({**where,
        "model": model, "model_version": model_version, "options": dict(options),
        "checkpoint_sha256": checkpoint["sha256"] if checkpoint else None, "weights": dict(gen_weights),
        "dataset": dataset, "dataset_options": dict(dataset_options), "split": split, "seed": seed,
        "videos": dict(videos) if videos else None,
    })[:12]


def run_dir_for(out: str | Path, model: str, dataset: str, split: str, key: str) -> Path:
    return Path(out) / "runs" / f"{_slug(model)}-{_slug(dataset)}-{_slug(split)}-{key}"


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


def _apply_weights(weights: Mapping[str, str | Path] | None) -> dict[str, str]:
    from talkbench.weights import set_weight_override

    out = {}
    for name, path in (weights or {}).items():
        set_weight_override(name, path)
        out[name] = str(Path(path).expanduser().resolve())
    return out


def _matched_videos(videos_dir: str, ids: list[str], dataset: str, split: str) -> VideoMatch:
    match = match_videos(Path(videos_dir), ids)
    if not match.matched:
        raise TalkbenchError(
            f"--videos {videos_dir}: no file matches a clip id of {dataset}/{split} "
            f"(e.g. {ids[0] if ids else 'none'}); name the files <clip_id>.mp4"
        )
    return match


def make_plan(
    model: str, dataset: str, *, split=None, limit=None, metrics=None, options=None, metric_options=None,
    checkpoint=None, weights=None, seed=0, out="results", data_root=None, label=None,
    dataset_options=None, videos_dir: str | Path | None = None, score_from: str = "lossless",
    run_dir: str | Path | None = None, protocol=None,
) -> RunPlan:
    """Resolve names, options, clips, metrics and the run directory; nothing is generated yet.

    ``videos_dir``: evaluate mode, the folder of videos made elsewhere, matched to the clips
    here (``plan.video_match``); the clips are the matched ones. ``run_dir``: the directory of
    an existing run (merge), used as it is even if it was moved.
    """
    from talkbench.plugins import get_generator, get_metrics

    from talkbench.runner.scored import SCORE_FROM

    if score_from not in SCORE_FROM:
        raise TalkbenchError(f"--score-from {score_from!r}: use one of {', '.join(SCORE_FROM)}")
    if videos_dir is not None:
        score_from = "lossless"  # evaluate scores the external file itself; the option does not apply
    weights_used = _apply_weights(weights)
    ds, root = make_dataset(dataset, data_root, dataset_options)
    split = split or ds.default_split
    if split not in ds.splits:
        raise TalkbenchError(f"dataset {dataset} has no split {split!r}; splits: {', '.join(ds.splits)}")
    all_ids = sorted(ds.clip_ids(split))
    limit = check_limit(limit)
    ids = all_ids[:limit] if limit is not None else all_ids
    match = _matched_videos(str(videos_dir), ids, dataset, split) if videos_dir is not None else None
    has_tr = dataset_has_transcripts(ds, split, ids)
    names = list(metrics) if metrics is not None else default_metrics(get_metrics(), has_tr)
    # dataset defaults, then the protocol preset's (--protocol), then the user's; option groups
    # (syncnet.net=...) reach every member
    preset, prov = _preset_layers(protocol, names, metric_options)
    metric_options = resolve_metric_options(names, metric_options, ds.metric_defaults, get_metrics(), preset=preset)
    # unknown metric names and bad metric options fail here, before any directory is made
    states = make_metrics(names, metric_options or {})
    if match is None:
        gen_cls = get_generator(model)
        generator = gen_cls(**dict(options or {}))
        version, resolved = gen_cls.version, dict(generator.options)
        gen_weights = generator_weights_digest(gen_cls)
        knobs = {o.name for o in gen_cls.option_specs() if not o.affects_output}
    else:  # evaluate: the "model" is a folder of videos made elsewhere
        generator, version, resolved, gen_weights, knobs = None, "external", {}, {}, set()
        ids = sorted(match.matched)
    ckpt = checkpoint_info(checkpoint)
    resolved_root = fingerprint.data_root_of(ds)
    key = run_key(
        model=model, model_version=version, options={k: v for k, v in resolved.items() if k not in knobs},
        checkpoint=ckpt, gen_weights=gen_weights,
        dataset=dataset, dataset_options=dict(ds.options), split=split, seed=seed,
        videos={k: str(v) for k, v in match.matched.items()} if match else None, data_root=resolved_root,
        score_from=score_from,
    )
    return RunPlan(
        model=model, model_version=version, generator=generator, options=resolved, checkpoint=ckpt,
        dataset_name=dataset, dataset=ds, dataset_options=dict(ds.options), data_root=resolved_root or root,
        split=split, clip_ids=ids, limit=limit, metric_names=names,
        metric_options={k: dict(v) for k, v in (metric_options or {}).items()}, seed=seed,
        run_dir=Path(run_dir) if run_dir is not None else run_dir_for(out, model, dataset, split, key),
        label=label, weights=weights_used, videos=match.matched if match else None,
        videos_dir=str(videos_dir) if videos_dir is not None else None,
        explicit_data_root=str(data_root) if data_root else None,
        sources=fingerprint.clip_sources(ds, split, ids), split_size=len(all_ids), score_from=score_from,
        has_transcripts=has_tr, generator_weights=gen_weights, metrics=states, video_match=match,
        protocol=prov,
    )


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
    videos, match = plan.videos, plan.video_match
    if videos is not None:  # evaluate: the folder's videos for the wider clip list
        match = match_videos(Path(plan.videos_dir), wide)
        videos = match.matched
        wide = sorted(videos)
    if len(wide) <= len(plan.clip_ids):
        return plan
    print(f"talkbench: --limit {plan.limit}: {plan.run_dir.name} already has a record of {len(wide)} clips; "
          "it is updated, not replaced", file=sys.stderr)
    return replace(plan, clip_ids=wide, limit=prev_limit, videos=videos, video_match=match,
                   sources={**fingerprint.clip_sources(plan.dataset, plan.split, wide), **plan.sources})


def plan_from_config(run_dir: Path) -> RunPlan:
    """The plan of an existing run, rebuilt from its ``run.json`` (``merge``, clip workers)."""
    cfg = read_json(run_dir / RUN_CONFIG)
    if not isinstance(cfg, dict):
        raise TalkbenchError(f"{run_dir}: no readable {RUN_CONFIG}; is this a talkbench run directory?")
    plan = make_plan(
        cfg["model"], cfg["dataset"], split=cfg["split"], limit=cfg.get("limit"), metrics=cfg["metrics"],
        options=cfg.get("options") if not cfg.get("videos_dir") else None,
        metric_options=cfg.get("metric_options"), checkpoint=cfg.get("checkpoint"), weights=cfg.get("weights"),
        seed=cfg.get("seed", 0), data_root=cfg.get("explicit_data_root"),
        label=cfg.get("label"), dataset_options=cfg.get("dataset_options"), videos_dir=cfg.get("videos_dir"),
        score_from=cfg.get("score_from") or "lossless", run_dir=run_dir,  # the directory given, even if moved
    )
    plan.protocol = cfg.get("protocol")  # its values are in the stored metric_options already
    return plan
