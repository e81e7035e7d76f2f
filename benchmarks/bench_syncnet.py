"""LSE-C/LSE-D speed and peak memory on 8-second clips (CPU), printed as one JSON line.

    python benchmarks/bench_syncnet.py [--clips N] [--threads T] [--no-jpeg] [--device cpu]

Uses the realdata 8 s clips (512×512, 25 fps, 16 kHz stereo AAC) and the calibration weights
(the official architecture with seeded random weights: the same cost as syncnet_v2.model).
Timed: decode + jpg round trip + resize + MFCC + both towers + distances, per clip, with the
result cache cleared so every clip is computed; the first clip is a warm-up and not timed.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
CLIPS = ["sadtalker_WDA_KatieHill_000.mp4", "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=4, help="timed clips (cycling over the 8 s clips)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-jpeg", action="store_true", help="jpeg_roundtrip=false")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from talkbench import get_metric, load_clip
    from talkbench_syncnet.metric import clear_caches

    tmp = Path(tempfile.mkdtemp(prefix="bench_syncnet."))
    try:
        weights = tmp / "syncnet_random_seed0.model"
        with lzma.open(SHARED / "calibration" / "syncnet_random_seed0.model.xz") as f, open(weights, "wb") as out:
            shutil.copyfileobj(f, out)
        os.environ["TALKBENCH_WEIGHTS"] = f"syncnet={weights}"
        clear_caches()
        lse_c, lse_d = get_metric("lse_c")(jpeg_roundtrip=not args.no_jpeg), get_metric("lse_d")(jpeg_roundtrip=not args.no_jpeg)
        lse_c.load(args.device)
        lse_d.load(args.device)
        paths = [SHARED / "realdata" / "video" / CLIPS[i % len(CLIPS)] for i in range(args.clips + 1)]
        times, frames = [], 0
        for i, path in enumerate(paths):
            clear_caches_results()
            start = time.perf_counter()
            clip = load_clip(path, clip_id=f"{path.stem}-{i}")
            c = lse_c.compute(clip, None)
            lse_d.compute(clip, None)  # shares the computation: must cost ~nothing
            elapsed = time.perf_counter() - start
            if i:  # first clip: warm-up
                times.append(elapsed)
                frames += c["n"]
        total = sum(times)
        print(json.dumps({
            "bench": "syncnet_lse", "device": args.device, "threads": args.threads,
            "jpeg_roundtrip": not args.no_jpeg, "clips": len(times), "clip_seconds": 8.0,
            "clips_per_s": round(len(times) / total, 4), "s_per_clip": round(total / len(times), 3),
            "video_frames_per_s": round(frames / total, 2), "peak_rss_mb": round(peak_rss_mb(), 1),
            "torch": torch.__version__,
        }))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def clear_caches_results() -> None:
    """Forget per-clip results (keep the loaded net) so each timed clip is really computed."""
    from talkbench_syncnet import metric

    metric.RESULTS.clear()


if __name__ == "__main__":
    sys.exit(main())
