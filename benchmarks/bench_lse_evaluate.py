"""Whole commands, side by side (one JSON line): `talkbench evaluate --metrics lse_c,lse_d` on a
folder of clips against Wav2Lip's `calculate_scores_LRS.py` on the same folder.

    python benchmarks/bench_lse_evaluate.py --syncnet-python ~/src/syncnet_python \\
        --wav2lip ~/src/Wav2Lip [--workers 2] [--rounds 2] [--clips a.mp4 b.mp4 ...]

What a user runs, start-up and model loading included: the reference script runs unmodified
from the Wav2Lip checkout (its `SyncNetInstance_calc_scores` imports syncnet_python's
`SyncNetModel`); the wrapper only makes `.cuda()` a no-op so it runs on CPU, with torch's
default threads. talkbench runs as the `talkbench` command with a fresh result folder each
round (nothing cached), `--workers N` processes of `--threads` threads each. Both use the
calibration SyncNet (official layout, seeded random weights: the cost of syncnet_v2.model).
Rounds alternate which side goes first. Peak memory is the largest sum over the command's
process tree (polled every 0.1 s) of RSS and of PSS (which counts pages the workers share, such
as torch's libraries, once: the memory the command really takes). The reference prints only its averages, so the
check of identical numbers compares those (talkbench's clip means); per-clip equality is
benchmarks/bench_lse_vs_reference.py's.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
# the 25 fps real clips (calculate_scores_LRS takes every frame as it comes; talkbench reads a
# folder at 25 fps, so other rates would be scored differently by design)
DEFAULT_CLIPS = [SHARED / "realdata" / "video" / "sadtalker_WDA_KatieHill_000.mp4",
                 SHARED / "realdata" / "video" / "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4",
                 SHARED / "calibration" / "KatieHill_4s.mp4",
                 SHARED / "calibration" / "AlexandriaOcasioCortez_4s.mp4",
                 *(SHARED / "realdata" / "video" / f"videoretalking_face_{i}.mp4" for i in (2, 3, 5))]

_REFERENCE = """
import runpy, sys, torch
torch.nn.Module.cuda = lambda self, *a, **k: self   # CPU run; the reference code is untouched
torch.Tensor.cuda = lambda self, *a, **k: self
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
"""


def _run(cmd: list[str], cwd: Path, env: dict) -> dict:
    """Wall and CPU seconds and the peak summed RSS of ``cmd``'s process tree."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(proc.pid)
    peak = peak_pss = 0
    while proc.poll() is None:
        try:
            tree = [root] + root.children(recursive=True)
            rss = pss = 0
            for p in tree:
                mem = p.memory_full_info()
                rss += mem.rss
                pss += mem.pss  # shared library pages counted once over the tree, not per process
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    out = proc.stdout.read()
    wall = time.perf_counter() - t0
    if proc.returncode not in (0,):
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{out[-3000:]}")
    return {"wall_s": wall, "peak_mb": peak / 2**20, "peak_pss_mb": peak_pss / 2**20, "out": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--syncnet-python", required=True)
    ap.add_argument("--wav2lip", required=True)
    ap.add_argument("--clips", nargs="+", default=[str(c) for c in DEFAULT_CLIPS])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    lrs = Path(args.wav2lip) / "evaluation" / "scores_LSE" / "calculate_scores_LRS.py"
    for need in (lrs, Path(args.syncnet_python) / "SyncNetModel.py"):
        if not need.is_file():
            raise SystemExit(f"{need}: not found; pass the checkout roots of syncnet_python and Wav2Lip")
    exe = shutil.which("talkbench")
    if not exe:
        raise SystemExit("talkbench is not on PATH; pip install -e . first")
    work = Path(tempfile.mkdtemp(prefix="bench_lse_eval."))
    weights = work / "syncnet_random_seed0.model"
    with lzma.open(SHARED / "calibration" / "syncnet_random_seed0.model.xz") as f, open(weights, "wb") as out:
        shutil.copyfileobj(f, out)
    videos = work / "videos"
    videos.mkdir()
    for c in args.clips:
        (videos / Path(c).name).symlink_to(Path(c).resolve())
    ref_env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(lrs.parent), args.syncnet_python]))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TALKBENCH_THREADS"):
        ref_env.pop(var, None)  # the reference as a user runs it: torch's default threads
    tb_env = dict(os.environ, TALKBENCH_HOME=str(work / "home"))
    ref_cmd = [sys.executable, "-c", _REFERENCE, str(lrs), "--initial_model", str(weights),
               "--data_root", str(videos), "--tmp_dir", str(work / "reftmp")]
    load_before = os.getloadavg()
    rows = []
    for r in range(args.rounds):
        tb_cmd = [exe, "--threads", str(args.threads), "evaluate", "--videos", str(videos), "--metrics", "lse_c,lse_d",
                  "--weights", f"syncnet={weights}", "--workers", str(args.workers), "--out", str(work / f"tb{r}"),
                  "--quiet"]
        pair = {}
        for who in (("ref", "tb") if r % 2 == 0 else ("tb", "ref")):
            cpu0 = psutil.Process().cpu_times()
            res = _run(ref_cmd if who == "ref" else tb_cmd, work, ref_env if who == "ref" else tb_env)
            cpu1 = psutil.Process().cpu_times()
            res["cpu_s"] = (cpu1.children_user + cpu1.children_system) - (cpu0.children_user + cpu0.children_system)
            pair[who] = res
        rows.append(pair)
    load_after = os.getloadavg()
    ref_avg = [float(x) for x in re.findall(r"Average (?:Confidence|Minimum Distance): ([-\d.e]+)", rows[-1]["ref"]["out"])]
    rec = json.loads(next((work / f"tb{args.rounds - 1}" / "runs").iterdir()).joinpath("record.json").read_text())
    tb_avg = [rec["metrics"]["lse_c"]["value"], rec["metrics"]["lse_d"]["value"]]  # LSE aggregates as the clip mean
    n = len(args.clips)
    tot = {k: sum(p[k]["wall_s"] for p in rows) for k in ("ref", "tb")}
    cpu = {k: sum(p[k]["cpu_s"] for p in rows) for k in ("ref", "tb")}
    print(json.dumps({
        "bench": "lse_evaluate", "clips": n, "rounds": args.rounds, "clip_files": [Path(c).name for c in args.clips],
        "talkbench": f"evaluate --workers {args.workers} --threads {args.threads}",
        "reference": "Wav2Lip calculate_scores_LRS.py, torch default threads",
        "reference_clips_per_s": round(n * args.rounds / tot["ref"], 4),
        "talkbench_clips_per_s": round(n * args.rounds / tot["tb"], 4),
        "ratio_wall": round(tot["ref"] / tot["tb"], 3),
        "ratio_wall_per_round": [round(p["ref"]["wall_s"] / p["tb"]["wall_s"], 3) for p in rows],
        "ratio_cpu": round(cpu["ref"] / cpu["tb"], 3),
        "peak_rss_mb": {"reference": round(max(p["ref"]["peak_mb"] for p in rows)),
                        "talkbench": round(max(p["tb"]["peak_mb"] for p in rows))},
        "peak_pss_mb": {"reference": round(max(p["ref"]["peak_pss_mb"] for p in rows)),
                        "talkbench": round(max(p["tb"]["peak_pss_mb"] for p in rows))},
        "reference_averages": ref_avg, "talkbench_clip_means": tb_avg,
        "max_abs_d_average": max(abs(a - b) for a, b in zip(ref_avg, tb_avg)) if len(ref_avg) == 2 else None,
        "loadavg_before": load_before, "loadavg_after": load_after, "cpus": os.cpu_count(),
    }))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
