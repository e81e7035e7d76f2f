"""Start-up cost of the CLI: `talkbench --help`, `plugins` and the listings, one JSON line.

    python benchmarks/bench_startup.py [--repeat 5]

Each command runs in a fresh interpreter (`python -m talkbench.cli ...`, all plugins loaded);
wall seconds and CPU seconds (user + sys of the child) are the median of --repeat runs. CPU
seconds are the figure to compare on a shared machine; the 1-minute load average is printed
with them. Also lists which heavy libraries a bare `import` of every plugin package pulls in
(torch, cv2, diffusers, ...): a plugin's `__init__` should import them only inside its hooks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HEAVY = ("torch", "cv2", "diffusers", "accelerate", "scipy", "lpips", "librosa", "safetensors", "dlib", "av")
PROBE = """
import importlib, json, sys
from importlib import metadata
before = set(sys.modules)
for ep in metadata.entry_points(group="talkbench"):
    importlib.import_module(ep.value.split(":")[0])
heavy = sorted({m.split(".")[0] for m in set(sys.modules) - before} & set(json.loads(sys.argv[1])))
print(json.dumps(heavy))
"""


def _time(args: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "talkbench.cli", *args], check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    out: dict = {"load_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    for name, argv in (("help", ["--help"]), ("plugins", ["plugins"]), ("models", ["models"]),
                       ("protocols", ["protocols"]), ("models_options", ["models", "--options"]),
                       ("metrics", ["metrics"]), ("datasets", ["datasets"]), ("weights", ["weights"])):
        runs = [_time(argv) for _ in range(args.repeat)]
        out[f"{name}_wall_s"] = round(statistics.median(r[0] for r in runs), 2)
        out[f"{name}_cpu_s"] = round(statistics.median(r[1] for r in runs), 2)
    probe = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY)], check=True,
                           capture_output=True, text=True)
    out["heavy_imports_of_plugin_packages"] = json.loads(probe.stdout)
    out["load_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
