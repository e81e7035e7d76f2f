"""The README's SyncDiff commands end to end, timed (one JSON line): train the tiny preset on
the demo dataset, sample and score it with `talkbench run`, print the table.

    python benchmarks/bench_syncdiff_tiny_e2e.py [--cpus 0] [--threads N] [--keep DIR]

Each command runs as the user types it (a `talkbench` subprocess) with a fresh
``TALKBENCH_HOME`` and output folder, so nothing is cached from earlier runs. ``--cpus 0`` pins
the commands to those cores (``taskset``), e.g. to measure on one core while the other is busy;
the JSON line gives the load average before and after, the thread count, wall and CPU seconds
(the command and its children) and peak RSS of each command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(cmd: list[str], env: dict, log: Path) -> dict:
    """Wall, CPU and peak RSS of one command; its output goes to ``log`` (progress lines included)."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    with open(log, "w") as out:
        rc = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - t0
    if rc != 0:
        sys.exit(f"{' '.join(cmd)} exited {rc}; see {log}")
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: commands run in order of size
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"cmd": " ".join(cmd[cmd.index("talkbench"):] if "talkbench" in cmd else cmd),
            "wall_s": round(wall, 1), "cpu_s": round(_children_cpu() - cpu0, 1), "peak_rss_mb_so_far": round(peak)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cpus", help="taskset core list for the commands, e.g. 0 or 0,1")
    ap.add_argument("--threads", help="TALKBENCH_THREADS for the commands (default: talkbench's own choice)")
    ap.add_argument("--keep", help="keep the checkpoint, runs and logs in this folder")
    args = ap.parse_args()
    exe = shutil.which("talkbench")
    if not exe:
        sys.exit("talkbench is not on PATH; pip install -e . first")
    work = Path(args.keep or tempfile.mkdtemp(prefix="tb_sdtiny_"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TALKBENCH_HOME=str(work / "home"))
    env.pop("TALKBENCH_WEIGHTS", None)
    if args.threads:
        env["TALKBENCH_THREADS"] = args.threads
    prefix = ["taskset", "-c", args.cpus] if args.cpus else []
    ckpt, runs = work / "syncdiff", work / "results"
    steps = [
        ("train", [exe, "train", "--model", "syncdiff", "--dataset", "demo", "--preset", "tiny", "--out", str(ckpt)]),
        ("run", [exe, "run", "--model", "syncdiff", "--dataset", "demo", "--checkpoint", str(ckpt / "model"),
                 "--out", str(runs)]),
        ("table", [exe, "table", "--results", str(runs)]),
    ]
    result = {"bench": "syncdiff_tiny_e2e", "cpus": args.cpus or f"all {os.cpu_count()}",
              "threads": args.threads or "talkbench default", "loadavg_before": os.getloadavg(), "steps": {}}
    for name, cmd in steps:
        result["steps"][name] = _timed(prefix + cmd, env, work / f"{name}.log")
    result["loadavg_after"] = os.getloadavg()
    result["work"] = str(work)
    print(json.dumps(result))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
