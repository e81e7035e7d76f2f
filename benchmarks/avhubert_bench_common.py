"""What the WER benchmarks share: their command line and the calibration fixture's tiny
AV-HuBERT seq2seq checkpoint, decompressed to a temporary file."""

from __future__ import annotations

import argparse
import lzma
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
FIXTURE = SHARED / "calibration" / "avhubert"


def parse_args(description: str, add_args=None) -> argparse.Namespace:
    """The shared flags; ``add_args(parser)`` adds a benchmark's own."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    if add_args is not None:
        add_args(ap)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    return args


def alternate(per_clip, batched, rounds: int) -> tuple[dict, dict]:
    """Time ``per_clip`` and ``batched`` after one warm-up each, alternating which goes first
    per round (a change in machine load hits both). Returns ({name: [wall s, CPU s]} summed over
    the rounds, {name: the last round's result})."""
    import time

    per_clip(), batched()  # warm-up
    cost = {"per_clip": [0.0, 0.0], "batched": [0.0, 0.0]}
    res = {}
    for r in range(rounds):
        for name, fn in ((("per_clip", per_clip), ("batched", batched)) if r % 2 == 0
                         else (("batched", batched), ("per_clip", per_clip))):
            w, c = time.perf_counter(), time.process_time()
            res[name] = fn()
            cost[name][0] += time.perf_counter() - w
            cost[name][1] += time.process_time() - c
    return cost, res


def fixture_checkpoint(tmp: Path) -> Path:
    ckpt = tmp / "seq2seq.pt"
    with lzma.open(FIXTURE / "avhubert_tiny_seq2seq.pt.xz") as f, open(ckpt, "wb") as out:
        shutil.copyfileobj(f, out)
    return ckpt
