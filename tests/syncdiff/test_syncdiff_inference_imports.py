"""Sampling a trained SyncDiff loads it through checkpoint.py and never imports the training code."""

from __future__ import annotations

import json
import subprocess
import sys

TRAINING = ["syncdiff_model.two_stage_training", "syncdiff_model.accelerate_loop",
            "syncdiff_model.ae_stage", "syncdiff_model.ldm_stage"]


def test_loading_a_model_for_sampling_imports_no_training_module(trained):
    probe = (
        "import json, sys\n"
        "from syncdiff_model.generator import SyncDiffGenerator\n"
        "gen = SyncDiffGenerator()\n"
        "gen.load('cpu', sys.argv[1])\n"
        "print(json.dumps([type(gen.model).__name__, sorted(m for m in sys.modules if m.startswith('syncdiff_model'))]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, str(trained)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    model, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert model == "SyncDiffModel" and "syncdiff_model.checkpoint" in loaded
    assert [m for m in TRAINING if m in loaded] == []
