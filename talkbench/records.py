"""Run records: one self-describing JSON per run (as lm-evaluation-harness), plus per-clip CSV.

``record.json`` schema (``schema_version`` 1)::

    schema_version  1
    run_id          "<run dir name>-<created_at compact>"
    created_at      ISO-8601 UTC; duration_s: wall seconds of the invocation that merged it
    talkbench       {version, git_hash, git_dirty}   (git fields null outside a checkout)
    environment     {python, platform, torch, numpy, cuda, device, hostname, threads}
    model           {name, version, options, checkpoint {path, sha256} | null, label, weights}
    dataset         {name, split, n_clips, split_size (clips the split holds), clip_ids_sha256,
                     file_list_sha256, options, root (resolved)}
    seeds           {seed}
    io              {fps 25, sample_rate 16000, scored_from "decoded_video",
                     video_resampled_clips, audio_resampled_clips, source_fps, source_sample_rates}
    metrics         {name: {value, n, n_clips, label, higher_is_better, version, aggregation,
                            protocol, weights [weight_record...], status ok|unavailable, reason,
                            + the metric's own aggregate extras (clip_mean, ...)}}
    failures        [{clip_id, stage, reason, traceback, metric?}]
    n_failed_clips  clips with at least one failure
    coverage        {clips, scored_clips, failed_clips [ids], split_size, complete,
                     available_metrics}: a clip is scored when it has no failure and a current
                     score of every available metric of the invocation (exit status 3 if not)
    invocation      {generated_now, scored_now}: what the invocation that wrote it did
    shard           {index, count, source, merged_from}
    run_dir         the directory name (``<model>-<dataset>-<split>-<hash12>``)
    protocol        the --protocol preset or null: {name, version, description, reference,
                     published, sets, overridden, not_in_run, conforms, differs} (talkbench.protocols)

``load_records(results_dir)`` returns every record under a directory, newest first.
"""

from __future__ import annotations

import csv
import io
import platform
import socket
import subprocess
import sys
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from talkbench.atomic import atomic_write_bytes, atomic_write_json, read_json

SCHEMA_VERSION = 1
RECORD = "record.json"
PER_CLIP = "per_clip.csv"


@lru_cache(maxsize=1)
def git_info() -> dict[str, Any]:
    """Commit of the talkbench checkout (None when installed from a wheel / no git)."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0:
            return {"git_hash": None, "git_dirty": None}
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        return {"git_hash": head.stdout.strip(), "git_dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"git_hash": None, "git_dirty": None}


def environment(device: str | None) -> dict[str, Any]:
    import numpy
    import torch

    cuda = None
    if torch.cuda.is_available():
        cuda = {"version": torch.version.cuda, "devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]}
    from talkbench.threads import thread_record

    return {"python": sys.version.split()[0], "platform": platform.platform(), "torch": torch.__version__,
            "numpy": numpy.__version__, "cuda": cuda, "device": device, "hostname": socket.gethostname(),
            "threads": thread_record()}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def summarise_io(entries: Iterable[dict]) -> dict[str, Any]:
    """Per-clip resampling facts folded into counts and the set of source rates."""
    v_res = a_res = 0
    fps: set[float] = set()
    rates: set[int] = set()
    for e in entries:
        io_ = e.get("io") or {}
        v, a = io_.get("video") or {}, io_.get("audio") or {}
        v_res += bool(v.get("resampled"))
        a_res += bool(a.get("resampled") or a.get("downmixed"))
        if v.get("source_fps"):
            fps.add(round(float(v["source_fps"]), 3))
        if a.get("source_sample_rate"):
            rates.add(int(a["source_sample_rate"]))
    return {"video_resampled_clips": v_res, "audio_resampled_or_downmixed_clips": a_res,
            "source_fps": sorted(fps), "source_sample_rates": sorted(rates)}


def write_per_clip_csv(path: Path, entries: list[dict], metric_names: list[str]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["clip_id", *metric_names, "failures"])
    for e in entries:
        m = e.get("metrics") or {}
        row = [e["clip_id"]] + [_fmt(m.get(n, {}).get("value")) for n in metric_names]
        row.append("; ".join(f"{f.get('stage')}: {f.get('reason')}" for f in e.get("failures", [])))
        w.writerow(row)
    atomic_write_bytes(path, buf.getvalue().encode())


def _fmt(v: Any) -> str:
    return "" if v is None else repr(float(v))


def write_record(run_dir: Path, record: dict) -> Path:
    return atomic_write_json(Path(run_dir) / RECORD, record)


def load_records(results_dir: str | Path) -> list[dict]:
    """Every ``record.json`` under ``results_dir``, newest first; each gets ``_path``."""
    out = []
    for p in Path(results_dir).rglob(RECORD):
        rec = read_json(p)
        if isinstance(rec, dict) and rec.get("schema_version"):
            rec["_path"] = str(p)
            out.append(rec)
    out.sort(key=lambda r: r.get("created_at") or "", reverse=True)
    return out


def find_runs(results_dir: str | Path, *, model: str | None = None, dataset: str | None = None,
              split: str | None = None, label: str | None = None, metric: str | None = None,
              latest: bool = False) -> list[dict]:
    """Records filtered by model/dataset/split/label (and having ``metric`` ok), newest first.

    With ``latest``, only the newest record per (model, label, dataset, split) is kept.
    """
    out, seen = [], set()
    for rec in load_records(results_dir):
        m, d = rec.get("model", {}), rec.get("dataset", {})
        if model is not None and m.get("name") != model:
            continue
        if dataset is not None and d.get("name") != dataset:
            continue
        if split is not None and d.get("split") != split:
            continue
        if label is not None and m.get("label") != label:
            continue
        if metric is not None and rec.get("metrics", {}).get(metric, {}).get("status") != "ok":
            continue
        key = (m.get("name"), m.get("label"), d.get("name"), d.get("split"))
        if latest and key in seen:
            continue
        seen.add(key)
        out.append(rec)
    return out
