"""Time a fresh build of the demo dataset; prints one JSON line.

    python benchmarks/bench_demo_build.py [--size 128] [--n-speakers 4] [--clips-per-speaker 8] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    import torch

    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--n-speakers", type=int, default=4)
    ap.add_argument("--clips-per-speaker", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["TALKBENCH_HOME"] = home
        from talkbench.builtins.demo_build import DemoConfig, ensure_built

        cfg = DemoConfig(args.size, args.n_speakers, args.clips_per_speaker, args.seconds)
        t0 = time.perf_counter()
        root = ensure_built(cfg, progress=False)
        secs = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in Path(root).iterdir())
        n_clips = cfg.n_speakers * cfg.clips_per_speaker
        frames = n_clips * round(cfg.seconds * 25)
    print(json.dumps({"benchmark": "demo_build", "size": cfg.size, "clips": n_clips, "frames": frames,
                      "seconds": round(secs, 3), "frames_per_s": round(frames / secs, 1),
                      "bytes": size, "cpu_count": os.cpu_count()}))


if __name__ == "__main__":
    main()
