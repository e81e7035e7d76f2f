"""Intra-op threads: 1 thread (talkbench's default) vs torch's per-core default, with and without
background load; one JSON line.

    python benchmarks/bench_threads.py [--repeats 3] [--burners N]

Workloads (each in a fresh process, wall and CPU seconds of the timed part):
- ``syncdiff``: tiny-preset SyncDiff UNet calls at batch 1 (random weights; cost only);
- ``lse``: the SyncNet lip + audio towers (fast.py, calibration weights) on 20 windows.
Conditions: ``quiet`` (whatever else runs on the machine: see loadavg) and ``busy`` (plus
``--burners`` CPU-burning processes, default one per core). ``ratio_*`` = wall with torch's
default threads ÷ wall with 1 thread (> 1: one thread is faster).
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))


def _work(kind: str, repeats: int, weights: str) -> dict:
    import torch

    torch.manual_seed(0)
    if kind == "syncdiff":
        from syncdiff_model.config import load_preset
        from syncdiff_model.model import SyncDiffModel

        cfg = load_preset("tiny")
        model = SyncDiffModel(cfg).eval()
        lat = cfg.latent_size
        x, t = torch.randn(1, 3, lat, lat), torch.full((1,), 500)
        priors = torch.randn(1, cfg.unet_in_channels - 3, lat, lat)
        ctx = torch.randn(1, 1 + cfg.context_window, model.audio.dim)

        def step():
            model.eps(x, t, priors, ctx)
    else:
        from talkbench_syncnet.fast import FastSyncNet
        from talkbench_syncnet.model import load_syncnet

        net = FastSyncNet(load_syncnet(weights))
        frames = (torch.rand(1, 3, 24, 224, 224) * 255).round().contiguous(memory_format=torch.channels_last_3d)
        mfcc = torch.randn(20, 1, 13, 20) * 20

        def step():
            net.netfclip(net.netcnnlip(frames)[0, :, :, 0, 0].t())
            net.forward_aud(mfcc)
    with torch.no_grad():
        step()  # warm-up
        w, c = time.perf_counter(), time.process_time()
        for _ in range(repeats):
            step()
        return {"wall_s": time.perf_counter() - w, "cpu_s": time.process_time() - c,
                "threads": torch.get_num_threads()}


def _run(kind: str, threads: int, repeats: int, weights: str) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TALKBENCH_THREADS"):
        env.pop(var, None)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    out = subprocess.run([sys.executable, __file__, "--worker", kind, "--repeats", str(repeats), "--weights", weights],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--burners", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workloads", default="syncdiff,lse", help="comma-separated: syncdiff, lse")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--weights", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_work(args.worker, args.repeats, args.weights)))
        return
    # SIGTERM (e.g. timeout) → SystemExit, so the finally below still stops the burners
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="bench_threads."))
    weights = tmp / "syncnet.model"
    with lzma.open(SHARED / "calibration" / "syncnet_random_seed0.model.xz") as f, open(weights, "wb") as out:
        shutil.copyfileobj(f, out)
    res: dict = {"bench": "threads", "cpus": os.cpu_count(), "burners": args.burners}
    burners: list[subprocess.Popen] = []
    try:
        for cond in ("quiet", "busy"):
            if cond == "busy":
                burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.burners)]
                time.sleep(1.0)
            res[f"loadavg_{cond}"] = os.getloadavg()
            for kind in args.workloads.split(","):
                one, default = _run(kind, 1, args.repeats, str(weights)), _run(kind, 0, args.repeats, str(weights))
                res[f"{kind}_{cond}"] = {"wall_s_1_thread": round(one["wall_s"], 3),
                                         "wall_s_default": round(default["wall_s"], 3),
                                         "cpu_s_1_thread": round(one["cpu_s"], 3), "cpu_s_default": round(default["cpu_s"], 3),
                                         "default_threads": default["threads"]}
                res[f"ratio_{kind}_{cond}"] = round(default["wall_s"] / one["wall_s"], 3)
    finally:
        for p in burners:  # only the processes this script started
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
