"""DiffTalk speed: UNet ε calls and per-frame DDIM sampling cost, one JSON line.

    python benchmarks/bench_difftalk.py [--config tiny|reduced|paper] [--steps 200] [--batch 8]

Random weights (speed does not depend on them). The per-frame figure is what the `difftalk`
generator pays per video frame at ``--steps`` (DiffTalk samples every frame independently).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="tiny", choices=("tiny", "reduced", "paper"))
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    from talkbench_difftalk.config import preset
    from talkbench_difftalk.model import DiffTalkModel

    cfg = preset(args.config)
    torch.manual_seed(0)
    model = DiffTalkModel(cfg).to(args.device).eval()
    s = cfg.latent_size
    x = torch.randn(args.batch, 3, s, s, device=args.device)
    ctx = torch.randn(args.batch, 1, cfg.unet.context_dim, device=args.device)
    with torch.no_grad():
        model.eps(x, 500, x, x, ctx, ema=True)  # warm-up
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(args.repeats):
            model.eps(x, 500, x, x, ctx, ema=True)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        per_call = (time.perf_counter() - t0) / args.repeats
        img = torch.rand(args.batch, 3, cfg.image_size, cfg.image_size, device=args.device) * 2 - 1
        t0 = time.perf_counter()
        z = model.encode(img)
        model.decode(z)
        vq = time.perf_counter() - t0
    per_frame = (per_call * args.steps + vq * 2) / args.batch
    print(json.dumps({
        "bench": "difftalk", "config": args.config, "device": args.device, "threads": args.threads,
        "batch": args.batch, "steps": args.steps, "latent": s, "image": cfg.image_size,
        "unet_params_m": round(sum(p.numel() for p in model.unet.parameters()) / 1e6, 2),
        "eps_call_s": round(per_call, 4), "vq_encode_decode_s": round(vq, 4),
        "sample_s_per_frame": round(per_frame, 3), "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
    }))


if __name__ == "__main__":
    main()
