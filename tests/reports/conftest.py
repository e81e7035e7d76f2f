"""Fake run records in the runner's record.json layout, written under a results directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


@pytest.fixture
def table1_records():
    return [
        make_record("gt", "lrs2", {"psnr": 45.0, "ssim": 1.0, "lpips": 0.0, "lse_c": 8.2, "lse_d": 6.3}),
        make_record("static", "lrs2", {"psnr": 28.0, "ssim": 0.80, "lpips": 0.10, "lse_c": 1.0, "lse_d": 12.0}),
        make_record("wav2lip", "lrs2", {"psnr": 31.0, "ssim": 0.86, "lpips": 0.08, "lse_c": 7.9, "lse_d": 6.6}),
        make_record("syncdiff", "lrs2", {"psnr": 32.4, "ssim": 0.87, "lpips": 0.05, "lse_c": 7.8, "lse_d": 6.5},
                    unavailable=()),
        make_record("wav2lip", "lrs3", {"psnr": 30.0, "ssim": 0.84, "lse_c": 8.0, "lse_d": 6.7},
                    unavailable=("lpips",)),
        make_record("syncdiff", "lrs3", {"psnr": 32.0, "ssim": 0.85, "lpips": 0.06, "lse_c": 6.8, "lse_d": 7.6}),
    ]
