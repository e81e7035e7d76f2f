"""`talkbench --help`, `plugins` and the listing commands (`models`, `models --options`,
`metrics`, `protocols`, `datasets`, `weights`) load every plugin, and the listings import every
generator, metric, dataset and weights module they list, but none imports torch, cv2,
scipy.signal, PyAV, ... (issue 16, start-up): read from `python -X importtime`, which lists every
module the interpreter imported, in a fresh process with all entry points loaded."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

#: what a command that runs no model or metric must not import (each costs 0.2-8 s of start-up)
FORBIDDEN = ("torch", "cv2", "scipy.signal", "scipy.ndimage", "skimage", "av", "diffusers",
             "accelerate", "dlib", "lpips")


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


GENERATOR_MODULES = ("talkbench_wav2lip.generator", "talkbench_talklip.generator",
                     "talkbench_difftalk.generator", "talkbench_external.generator",
                     "syncdiff_model.generator")
METRIC_MODULES = ("talkbench_syncnet.metric", "talkbench_avhubert.metric", "talkbench_distribution.fid",
                  "talkbench_distribution.fvd", "talkbench_face.cpbd_metric", "talkbench_face.csim",
                  "talkbench_imagequality.lpips_metric")


@pytest.mark.parametrize("argv, classes", [
    (("--help",), ()),
    (("plugins",), ()),
    # the listings build the registries: every class module is imported, its heavy code is not
    (("models",), GENERATOR_MODULES),
    (("models", "--options"), GENERATOR_MODULES),
    (("metrics",), METRIC_MODULES),
    (("protocols",), METRIC_MODULES + ("talkbench_syncnet.protocols",)),
    (("datasets",), ("talkbench.builtins.demo_dataset", "talkbench.datasets.lrs")),
    (("weights",), ("talkbench_wav2lip.weights", "talkbench_talklip.weights", "talkbench_s3fd.weights")),
])
def test_listing_commands_import_no_heavy_library(argv, classes):
    names = imported_modules(*argv)
    # the plugins did load (importtime does not list the editable install's top-level packages,
    # but it lists the submodules that their registration imports)
    assert "talkbench_imagequality.ssim" in names and "talkbench.datasets.commands" in names
    missing = [c for c in classes if c not in names]
    assert missing == [], f"`talkbench {' '.join(argv)}` did not import {missing}: not the registry it lists"
    heavy = sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN))
    assert heavy == [], f"`talkbench {' '.join(argv)}` imported {heavy[:8]}"
