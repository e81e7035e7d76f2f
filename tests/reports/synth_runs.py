"""Synthetic complete runs (record.json + scores/<clip>.json) in the runner's layout, made fast.

The record's metric values are the pooled aggregates of the per-clip scores written, so the
statistics' consistency check passes; ``offset`` shifts every clip of a model (a known difference).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CARDS = {"psnr": ("PSNR", True), "ssim": ("SSIM", True), "lpips": ("LPIPS", False),
         "lse_c": ("LSE-C", True), "lse_d": ("LSE-D", False), "wer": ("WER", False)}
BASE = {"psnr": 30.0, "ssim": 0.85, "lpips": 0.08, "lse_c": 7.0, "lse_d": 7.0, "wer": 40.0}
SPREAD = {"psnr": 2.0, "ssim": 0.03, "lpips": 0.02, "lse_c": 0.8, "lse_d": 0.6, "wer": 10.0}


def write_run(results: Path, model: str, *, n_clips: int = 20, metrics=("psnr", "ssim"), offset: float = 0.0,
              dataset: str = "demo", seed: int = 0, created: str = "2026-12-01T10:00:00+00:00",
              failed: int = 0, label: str | None = None) -> dict:
    """One run; clip values share a per-clip difficulty (seed 0) so runs are paired like real ones."""
    run_dir = f"{label or model}-{dataset}-test-{abs(hash((model, label, dataset))) % 10**12:012d}"
    d = Path(results) / "runs" / run_dir
    (d / "scores").mkdir(parents=True, exist_ok=True)
    difficulty = np.random.default_rng(0).normal(size=(n_clips, len(metrics)))
    noise = np.random.default_rng(seed + 1).normal(scale=0.3, size=(n_clips, len(metrics)))
    frames = 50 + np.arange(n_clips) % 25
    ids = [f"spk{i // 100:02d}_{i % 100:03d}" for i in range(n_clips)]
    per: dict[str, list] = {m: [] for m in metrics}
    failures = []
    for i, cid in enumerate(ids):
        scores = {}
        if i < failed:
            failures.append({"clip_id": cid, "stage": "generate", "reason": "no face found in frame 0"})
        else:
            for j, m in enumerate(metrics):
                v = BASE[m] + SPREAD[m] * (difficulty[i, j] + noise[i, j]) + offset * SPREAD[m]
                scores[m] = {"value": float(v), "n": int(frames[i]), "_key": "k"}
                per[m].append((v, frames[i]))
        (d / "scores" / f"{cid}.json").write_text(json.dumps(
            {"scores_version": 1, "clip_id": cid, "video": None, "metrics": scores, "failures": failures[-1:] if i < failed else []}))
    rec_metrics = {}
    for m in metrics:
        v = np.array([a for a, _ in per[m]])
        w = np.array([b for _, b in per[m]], dtype=float)
        lab, hib = CARDS[m]
        rec_metrics[m] = {"value": float((v * w).sum() / w.sum()), "n": len(v), "n_clips": len(v), "label": lab,
                          "higher_is_better": hib, "aggregation": "pooled", "status": "ok", "reason": None,
                          "protocol": {}, "weights": [], "version": "1"}
    rec = {"schema_version": 1, "run_id": f"{run_dir}-x", "created_at": created, "run_dir": run_dir,
           "talkbench": {"version": "0.1.0", "git_hash": None, "git_dirty": None},
           "environment": {"python": "3.11", "torch": "2", "numpy": "2", "device": "cpu"},
           "model": {"name": model, "version": "1", "label": label, "options": {}, "checkpoint": None},
           "dataset": {"name": dataset, "split": "test", "n_clips": n_clips}, "seeds": {"seed": 0},
           "metrics": rec_metrics, "failures": failures, "n_failed_clips": failed}
    (d / "record.json").write_text(json.dumps(rec))
    return rec | {"_path": str(d / "record.json")}
