"""psnr / ssim / lpips speed on 8-second clips (CPU): clips/s per metric, one JSON line.

    python benchmarks/bench_imagequality.py [--region full|face] [--size 96] [--threads 1]

Pairs each realdata 8 s clip (512×512, 200 frames at 25 fps) with a noisy copy of itself.
LPIPS uses an AlexNet in torchvision's layout with seeded random weights (the same cost as the
ImageNet file, which cannot be downloaded here). Decoding is done once, outside the timing;
region=face includes the face tracking (dlib, cached after the first clip).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
CLIPS = ["sadtalker_WDA_KatieHill_000.mp4", "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="full", choices=("full", "face"))
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    os.environ.setdefault("TALKBENCH_HOME", tempfile.mkdtemp(prefix="tb_bench_"))
    from talkbench import get_metric, import_torchvision, load_clip
    from talkbench.weights import set_weight_override

    tv = import_torchvision()
    torch.manual_seed(0)
    alex = Path(tempfile.mkdtemp()) / "alexnet-random.pth"
    torch.save(tv.models.alexnet(weights=None).state_dict(), alex)
    set_weight_override("lpips-alex", alex)

    rng = np.random.default_rng(0)
    pairs = []
    for name in CLIPS:
        ref = load_clip(SHARED / "realdata" / "video" / name)
        ref.frames, ref.audio  # decode outside the timing
        noisy = np.clip(ref.frames.astype(np.int16) + rng.integers(-12, 13, ref.frames.shape), 0, 255)
        pairs.append((ref.replace(frames=noisy.astype(np.uint8), id=f"{ref.id}-gen"), ref))

    out = {"bench": "imagequality", "region": args.region, "size": args.size, "threads": args.threads,
           "clip_seconds": pairs[0][1].duration, "frames_per_clip": int(pairs[0][1].num_frames)}
    for name in ("psnr", "ssim", "lpips"):
        metric = get_metric(name)(region=args.region, size=args.size)
        metric.load("cpu")
        metric.compute(*pairs[0])  # warm-up (and face-track cache)
        t0 = time.perf_counter()
        values = [metric.compute(g, r)["value"] for g, r in pairs]
        dt = time.perf_counter() - t0
        out[name] = {"clips_per_s": round(len(pairs) / dt, 3), "s_per_clip": round(dt / len(pairs), 3),
                     "mean_value": round(float(np.mean(values)), 4)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
