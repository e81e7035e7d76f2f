"""End to end: ``external`` with tint_tool.py as the model, through the runner and into a table."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pytest

TOOL = Path(__file__).resolve().parent / "tint_tool.py"
DEMO = {"size": 64, "n_speakers": 1, "clips_per_speaker": 4, "seconds": 1.0}


def test_external_runs_on_demo_with_failures_recorded(tmp_path):
    from talkbench.reports import load_records, render_table
    from talkbench.runner import run_benchmark

    sad = f"{{python}} {shlex.quote(str(TOOL))} --driven_audio {{audio}} --source_image {{image}} --result_dir {{outdir}}"
    run_dir = run_benchmark(
        "external", "demo", limit=1, metrics=["psnr"], device="cpu", out=tmp_path / "results",
        progress=False, dataset_options=DEMO, options={"preset": "sadtalker", "cmd": sad, "cwd": str(tmp_path)},
    )
    record = json.loads((run_dir / "record.json").read_text())
    assert record["model"]["options"]["preset"] == "sadtalker"
    assert record["n_failed_clips"] == 0, record["failures"]
    assert np.isfinite(record["metrics"]["psnr"]["value"])
    assert "SadTalker" in render_table(load_records(tmp_path / "results"), fmt="markdown")

    broken = run_benchmark(
        "external", "demo", limit=1, metrics=["psnr"], device="cpu", out=tmp_path / "broken",
        progress=False, dataset_options=DEMO,
        options={"cmd": f"{{python}} {shlex.quote(str(TOOL))} --face {{video}} --audio {{audio}} --outfile {{out}} --fail 5"},
    )
    record = json.loads((broken / "record.json").read_text())
    assert record["n_failed_clips"] == 1
    assert "RuntimeError: simulated failure 5" in json.dumps(record["failures"])
