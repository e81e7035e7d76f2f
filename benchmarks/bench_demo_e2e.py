"""End-to-end demo throughput: gt and static on the demo split, generate + encode + score
(one JSON line): clips/s for a fresh run and for a fully cached re-run (resume cost).

    python benchmarks/bench_demo_e2e.py [--metrics psnr,ssim,lpips,lse_c,lse_d] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import torch

torch.set_num_threads(int(os.environ.get("TALKBENCH_THREADS", "1")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--metrics", default="psnr,ssim")
    ap.add_argument("--models", default="gt,static")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--size", type=int, default=128)
    args = ap.parse_args()
    from talkbench.plugins import get_dataset
    from talkbench.records import load_records
    from talkbench.runner import run_benchmark

    opts = {"size": args.size}
    t0 = time.time()
    ds = get_dataset("demo")(**opts)
    n = len(ds.clip_ids("test")[: args.limit])
    build_s = time.time() - t0
    metrics = args.metrics.split(",")
    mopts = {m: {"net": "demo"} for m in metrics if m in ("lse_c", "lse_d")}
    result = {"bench": "demo_e2e", "clips": n, "size": args.size, "metrics": metrics,
              "threads": torch.get_num_threads(), "demo_build_s": round(build_s, 2), "models": {}}
    with tempfile.TemporaryDirectory(prefix="tb_e2e_") as out:
        for model in args.models.split(","):
            times = []
            for _ in range(2):  # fresh, then fully cached
                t = time.time()
                run_dir = run_benchmark(model, "demo", limit=args.limit, metrics=metrics, metric_options=mopts,
                                        out=out, device="cpu", progress=False, dataset_options=opts)
                times.append(time.time() - t)
            rec = next(r for r in load_records(out) if r["run_dir"] == run_dir.name)
            result["models"][model] = {
                "fresh_s": round(times[0], 2), "clips_per_s": round(n / times[0], 3),
                "cached_rerun_s": round(times[1], 2),
                "values": {k: (round(v["value"], 4) if v["value"] is not None else v["status"])
                           for k, v in rec["metrics"].items()},
            }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
