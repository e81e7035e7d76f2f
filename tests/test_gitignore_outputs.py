"""The README's output folders (train --out runs/..., default checkpoints/, results/runs/) stay untracked."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _git(*args):
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)


@pytest.mark.skipif(_git("rev-parse", "--git-dir").returncode != 0, reason="not a git checkout")
def test_readme_output_folders_are_ignored():
    readme = (REPO / "README.md").read_text()
    outs = set(re.findall(r"--out ((?:runs|checkpoints)/[\w./-]+)", readme)) | {"checkpoints/syncnet",
                                                                                        "results/runs/x"}
    for out in sorted(outs):
        probe = f"{out.rstrip('/')}/model/config.json"
        assert _git("check-ignore", "-q", probe).returncode == 0, f"{probe} would be untracked in the checkout"
