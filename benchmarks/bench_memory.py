"""Peak RSS of a streamed run: 10 vs 100 demo clips with gt and static (one JSON line).

Each measurement runs in a fresh process (ru_maxrss is per process) after the demo dataset has
been built by another process, so only the run itself is measured. Flat numbers mean clips are
decoded, generated and scored one at a time and never held as a split.

    python benchmarks/bench_memory.py [--sizes 10,100] [--metrics psnr,ssim]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# a demo big enough for 100 test clips: 4 speakers × 100 clips, a quarter of them test
DEMO = {"n_speakers": 4, "clips_per_speaker": 100, "seconds": 3.0, "size": 128}

CHILD = r"""
import json, resource, sys, time, torch
torch.set_num_threads(1)
from talkbench.runner import run_benchmark
model, n, out, metrics, opts = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
t0 = time.time()
run_benchmark(model, "demo", limit=n, metrics=metrics.split(","), out=out, device="cpu", progress=False,
              dataset_options=opts)
print(json.dumps({"seconds": time.time() - t0,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100")
    ap.add_argument("--metrics", default="psnr,ssim")
    ap.add_argument("--models", default="gt,static")
    args = ap.parse_args()
    home = Path(os.environ.get("TALKBENCH_HOME") or tempfile.mkdtemp(prefix="tb_mem_home_"))
    env = dict(os.environ, TALKBENCH_HOME=str(home), OMP_NUM_THREADS="1",
               TALKBENCH_LOAD_PLUGINS=os.environ.get("TALKBENCH_LOAD_PLUGINS", "builtins,imagequality"))
    t0 = time.time()
    build = ("import json,sys; from talkbench.plugins import get_dataset; "
             "d = get_dataset('demo')(**json.loads(sys.argv[1])); print(len(d.clip_ids('test')))")
    n_test = int(subprocess.run([sys.executable, "-c", build, json.dumps(DEMO)], env=env, check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1])
    build_s = time.time() - t0
    sizes = [int(s) for s in args.sizes.split(",")]
    if max(sizes) > n_test:
        sys.exit(f"demo has only {n_test} test clips; lower --sizes")
    result = {"bench": "memory", "demo": DEMO, "metrics": args.metrics, "demo_build_s": round(build_s, 1), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="tb_mem_out_") as out:
        for model in args.models.split(","):
            for n in sizes:
                proc = subprocess.run([sys.executable, "-c", CHILD, model, str(n), str(Path(out) / f"{model}{n}"),
                                       args.metrics, json.dumps(DEMO)], env=env, check=True, capture_output=True,
                                      text=True)
                m = json.loads(proc.stdout.strip().splitlines()[-1])
                result["runs"][f"{model}_{n}"] = {"clips": n, "peak_rss_mb": round(m["peak_rss_mb"], 1),
                                                  "seconds": round(m["seconds"], 2),
                                                  "clips_per_s": round(n / m["seconds"], 3)}
    for model in args.models.split(","):
        lo, hi = result["runs"][f"{model}_{min(sizes)}"], result["runs"][f"{model}_{max(sizes)}"]
        result[f"{model}_rss_growth_mb"] = round(hi["peak_rss_mb"] - lo["peak_rss_mb"], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
