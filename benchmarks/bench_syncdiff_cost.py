"""Sampling cost of SyncDiff on this machine; prints one JSON line.

    python benchmarks/bench_syncdiff_cost.py [--presets tiny,paper] [--calls 3] [--threads 1]

Per preset: seconds per UNet call (batch 1 and batch 8 clips), seconds of first-stage work per
frame (masked + pose encode, decode), and the resulting seconds per generated frame for
DDIM-200 and DPM-Solver++ at 20 steps (calls × per-call + first stage). Weights are random:
cost does not depend on them. The per-frame numbers are derived from the measured per-call
times, not from 200 full calls, to keep the run to about a minute per preset.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch


def timed(fn, calls: int) -> float:
    fn()  # warm-up (allocations, kernel selection)
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


@torch.no_grad()
def measure(preset: str, calls: int) -> dict:
    from syncdiff_model.config import load_preset
    from syncdiff_model.model import SyncDiffModel, count_parameters

    cfg = load_preset(preset)
    torch.manual_seed(0)
    model = SyncDiffModel(cfg).eval()
    s, lat, d = cfg.image_size, cfg.latent_size, model.audio.dim
    res = {"unet_params_M": round(count_parameters(model.unet) / 1e6, 1),
           "vq_params_M": round(count_parameters(model.vq) / 1e6, 1), "latent": lat}
    for b in (1, 8):
        x = torch.randn(b, 3, lat, lat)
        priors = torch.randn(b, cfg.unet_in_channels - 3, lat, lat)
        ctx = torch.randn(b, 1 + cfg.context_window, d)
        t = torch.full((b,), 500)
        res[f"unet_call_s_b{b}"] = round(timed(lambda: model.eps(x, t, priors, ctx), calls), 4)
    img = torch.randn(1, 3, s, s)
    # per frame: masked + generated-pose encodes, one decode
    enc = timed(lambda: model.encode(img), max(1, calls // 2))
    dec = timed(lambda: model.decode(torch.randn(1, 3, lat, lat)), max(1, calls // 2))
    res["first_stage_s_per_frame"] = round(2 * enc + dec, 4)
    for name, steps in (("ddim200", 200), ("dpmsolver20", 20)):
        for b in (1, 8):
            per = (steps * res[f"unet_call_s_b{b}"]) / b + res["first_stage_s_per_frame"]
            res[f"{name}_s_per_frame_b{b}"] = round(per, 3)
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--presets", default="tiny,paper")
    p.add_argument("--calls", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    out = {"bench": "syncdiff_cost", "device": "cpu", "threads": args.threads,
           "loadavg_at_start": os.getloadavg()[0],
           "torch": torch.__version__}
    for preset in args.presets.split(","):
        out[preset] = measure(preset, args.calls)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
