"""Speed of fid, fvd, csim, csim_dlib, lmd, cpbd on an 8 s real clip; prints one JSON line.

    python benchmarks/bench_face_distribution_metrics.py [--frames 25] [--device cpu|cuda]
        [--metrics fid,csim_dlib,lmd,cpbd,csim,fvd]

Each metric scores the first ``--frames`` frames of an 8.0 s 512×512 clip against itself
(generated = GT) once after a warm-up on 2 frames; the JSON gives seconds per frame and the
clips/s this means for 8 s (200-frame) clips ("extrapolated" when --frames < 200). Face
tracking is cached after the warm-up pass's clip, so lmd/csim times include landmarks only
for the frames beyond it. Weights are seeded random in the official layouts (FID Inception
has the real architecture, so its cost is real; the csim ONNX graph and the fvd network are
small stand-ins: their times are NOT the real networks' and are labelled so).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
CLIP = SHARED / "realdata" / "video" / "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4"


def _weights(tmp: Path) -> dict[str, str]:
    sys.path.insert(0, str(REPO / "tests" / "distribution"))
    sys.path.insert(0, str(REPO / "tests" / "facemetrics"))
    import torch
    from arcface_graphs import random_weights, write_graph
    from fid_helpers import write_random_fid_weights
    from test_fvd import TinyI3D

    torch.manual_seed(0)
    i3d = tmp / "i3d_torchscript.pt"
    torch.jit.script(TinyI3D().eval()).save(str(i3d))
    return {"fid-inception": str(write_random_fid_weights(tmp)), "fvd-i3d": str(i3d),
            "arcface-glintr100": str(write_graph(tmp / "glintr100.onnx", random_weights(0)))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--metrics", default="fid,csim_dlib,lmd,cpbd,csim,fvd")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_fm_"))
    os.environ.setdefault("TALKBENCH_HOME", str(tmp / "home"))
    from talkbench import Clip, get_metric, load_clip
    from talkbench.weights import set_weight_override

    for name, path in _weights(tmp).items():
        set_weight_override(name, path)
    frames = load_clip(CLIP).frames
    out = {"clip": CLIP.name, "clip_frames": int(len(frames)), "frames_timed": args.frames,
           "device": args.device, "threads": __import__("torch").get_num_threads(),
           "cpus": os.cpu_count(), "loadavg_before": os.getloadavg()}
    for name in args.metrics.split(","):
        n = max(args.frames, 16) if name == "fvd" else args.frames
        clip = Clip(id=f"c{n}", frames_source=frames[:n])
        warm = Clip(id="w", frames_source=frames[:16] if name == "fvd" else frames[:2])
        m = get_metric(name)()
        m.load(args.device)
        m.compute(warm, warm)
        t0 = time.perf_counter()
        m.compute(clip, clip)
        s = time.perf_counter() - t0
        per_frame = s / n
        out[name] = {"s_per_frame": round(per_frame, 4),
                     "clips_per_s_8s": round(1 / (per_frame * 200), 4),
                     "extrapolated": n < 200,
                     **({"stand_in_network": True} if name in ("csim", "fvd") else {})}
    out["loadavg_after"] = os.getloadavg()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
