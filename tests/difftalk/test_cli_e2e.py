"""`talkbench train` -> `talkbench run` -> `talkbench table` for difftalk on the demo dataset."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _cli(*args, env):
    cmd = [sys.executable, "-c", "from talkbench.cli import main; main()", *args]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, f"{' '.join(args)} failed:\n{res.stderr[-3000:]}"
    return res.stdout


@pytest.mark.slow
def test_train_run_table_on_demo(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    ckpt = tmp_path / "ckpt"
    out = _cli("train", "--model", "difftalk", "--dataset", "demo", "--preset", "tiny", "--max-steps", "3",
               "--option", "vq_steps=3", "--option", "limit=2", "--out", str(ckpt), env=env)
    assert f"checkpoint: {ckpt / 'model'}" in out
    _cli("run", "--model", "difftalk", "--dataset", "demo", "--limit", "1", "--checkpoint", str(ckpt),
         "--option", "steps=2", "--metrics", "psnr,ssim", "--out", str(tmp_path / "results"), env=env)
    table = _cli("table", "--results", str(tmp_path / "results"), "--format", "csv", env=env)
    row = [line for line in table.splitlines() if line.lower().startswith("difftalk")]
    assert row, table
    cells = row[0].split(",")
    assert float(cells[2]) > 0 and 0 < float(cells[3]) <= 1   # PSNR and SSIM were computed
