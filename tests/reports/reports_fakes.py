"""Fake run records in the runner's record.json layout, written under a results directory."""

from __future__ import annotations

import json
from pathlib import Path

CARDS = {"psnr": ("PSNR", True), "ssim": ("SSIM", True), "lpips": ("LPIPS", False),
         "lse_c": ("LSE-C", True), "lse_d": ("LSE-D", False), "wer": ("WER", False)}


def make_record(model, dataset, values, *, split="test", options=None, label=None, created="2026-11-23T20:00:00+00:00",
                unavailable=(), protocol=None, run_dir=None):
    metrics = {}
    for name, value in values.items():
        lab, hib = CARDS.get(name, (name.upper(), True))
        metrics[name] = {"value": value, "n": 10, "n_clips": 2, "label": lab, "higher_is_better": hib,
                         "status": "ok", "reason": None, "protocol": dict((protocol or {}).get(name, {}))}
    for name in unavailable:
        lab, hib = CARDS[name]
        metrics[name] = {"value": None, "n": 0, "label": lab, "higher_is_better": hib, "status": "unavailable",
                         "reason": f"weights file {name}.pth missing: put it in $TALKBENCH_HOME/weights"}
    run = run_dir or f"{model}-{dataset}-{split}-{abs(hash((model, dataset, json.dumps(options, sort_keys=True), created))) % 10**12:012d}"
    return {"schema_version": 1, "run_id": f"{run}-x", "created_at": created, "run_dir": run,
            "model": {"name": model, "label": label, "options": options or {}, "checkpoint": None},
            "dataset": {"name": dataset, "split": split, "n_clips": 2}, "metrics": metrics, "failures": []}


def write_records(results: Path, records) -> Path:
    for rec in records:
        d = results / "runs" / rec["run_dir"]
        d.mkdir(parents=True, exist_ok=True)
        (d / "record.json").write_text(json.dumps(rec))
    return results
