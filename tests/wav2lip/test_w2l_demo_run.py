"""End to end: ``wav2lip`` (seeded weights, official layout) through the runner on the demo set."""

from __future__ import annotations

import json

import numpy as np
import pytest

#: small demo: 64 px frames, 1 s clips, one speaker (kept small: the runner test is about plumbing)
DEMO = {"size": 64, "n_speakers": 1, "clips_per_speaker": 4, "seconds": 1.0}


def test_wav2lip_runs_on_demo_and_appears_in_table(tmp_path, seeded_w2l_checkpoint):
    from talkbench.reports import load_records, render_table
    from talkbench.runner import run_benchmark

    run_dir = run_benchmark(
        "wav2lip", "demo", limit=1, metrics=["psnr", "ssim"], checkpoint=seeded_w2l_checkpoint,
        device="cpu", seed=0, out=tmp_path / "results", progress=False, dataset_options=DEMO,
        options={"reference": "first", "batch_size": 16},
    )
    record = json.loads((run_dir / "record.json").read_text())
    assert record["model"]["name"] == "wav2lip"
    assert record["model"]["options"]["reference"] == "first"
    assert record["n_failed_clips"] == 0, record["failures"]
    psnr = record["metrics"]["psnr"]["value"]
    assert np.isfinite(psnr) and 5 < psnr < 60  # random weights: a blurry mouth, the rest untouched
    table = render_table(load_records(tmp_path / "results"), fmt="markdown")
    assert "Wav2Lip" in table
