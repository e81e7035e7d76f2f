"""A run's plan: which generator, dataset, clips, metrics, and the run directory's name.

The run directory ``<out>/runs/<model>-<dataset>-<split>-<hash12>`` is keyed by everything that
changes the generated videos: model name+version, resolved options, checkpoint sha256, the
generator's weights files, dataset name+options, the resolved data root, split and seed.
``--limit`` is not part of it, so ``--limit 10`` and then the full split share (and resume) one
cache. Each clip's files are fingerprinted (``sources``): a clip whose files changed is redone.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from talkbench.errors import TalkbenchError
from talkbench.hashing import sha256_file, sha256_json
from talkbench.interfaces import NEEDS_TRANSCRIPT, Dataset, Generator

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
