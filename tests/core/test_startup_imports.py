"""`talkbench --help` and `talkbench plugins` load every plugin but import no torch, cv2 or
scipy.signal (issue 16, start-up): read from `python -X importtime`, which lists every module the
interpreter imported, in a fresh process with all entry points loaded."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

#: what a command that runs no model or metric must not import (each costs 0.2-8 s of start-up)
FORBIDDEN = ("torch", "cv2", "scipy.signal", "scipy.ndimage", "skimage")


def imported_modules(*argv: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "TALKBENCH_LOAD_PLUGINS"}  # every plugin
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "talkbench", *argv],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # lines look like "import time:   self |  cumulative |   package.module"
    names = {m.group(1) for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)$",
                                              proc.stderr, flags=re.M)}
    assert "talkbench.cli" in names, "importtime output not parsed"
    return names


@pytest.mark.parametrize("argv", [("--help",), ("plugins",)])
def test_listing_commands_import_no_heavy_library(argv):
    names = imported_modules(*argv)
    # the plugins did load (importtime does not list the editable install's top-level packages,
    # but it lists the submodules that their registration imports)
    assert "talkbench_imagequality.ssim" in names and "talkbench.datasets.commands" in names
    heavy = sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))
    assert heavy == [], f"`talkbench {' '.join(argv)}` imported {heavy[:8]}"
