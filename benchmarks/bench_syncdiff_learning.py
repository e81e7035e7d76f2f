"""Does the tiny SyncDiff learn? Scores trained models on demo test clips; prints one JSON line.

    python benchmarks/bench_syncdiff_learning.py --model rnd+prv-=runs/a/model --model shuffled=runs/b/model

Per model (and for the `static` baseline and the ground truth):
  * mouth PSNR: PSNR (float, data range 255) inside the clip's mouth box (union of landmarks
    48-67 over the clip, +2 px), frames pooled; the frame-0 seed frame is excluded;
  * sync: Pearson correlation, per clip, between the mouth's darkness (fraction of pixels with
    luma < 80 in the mouth box: the open mouth is dark) and the audio RMS envelope at 25 Hz,
    averaged over clips. The ground truth's value is the ceiling of this measure.
  * detail: mean gradient magnitude in the mouth box relative to the ground truth's (1.0 = as
    sharp as the truth). PSNR rewards blur, so a sampler that regresses to the mean (few-step
    DPM-Solver) can win on PSNR while drawing a softer mouth: read PSNR next to this.
Clips are cut to --frames frames to keep CPU time small.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch


def mouth_box(clip) -> tuple[int, int, int, int]:
    lm = clip.meta["landmarks"][:, 48:68]
    x1, y1 = np.floor(lm.min(axis=(0, 1))).astype(int) - 2
    x2, y2 = np.ceil(lm.max(axis=(0, 1))).astype(int) + 2
    return max(x1, 0), max(y1, 0), x2, y2


def envelope(audio: np.ndarray, frames: int, hop: int = 640) -> np.ndarray:
    a = np.pad(audio[: frames * hop], (0, max(0, frames * hop - len(audio))))
    return np.sqrt((a.reshape(frames, hop) ** 2).mean(1))


def darkness(frames: np.ndarray, box) -> np.ndarray:
    x1, y1, x2, y2 = box
    roi = frames[:, y1:y2, x1:x2].astype(np.float32)
    luma = roi @ np.array([0.299, 0.587, 0.114], np.float32)
    return (luma < 80).mean(axis=(1, 2))


def gradient_energy(frames: np.ndarray, box) -> float:
    x1, y1, x2, y2 = box
    luma = frames[:, y1:y2, x1:x2].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return float(np.abs(np.diff(luma, axis=1)).mean() + np.abs(np.diff(luma, axis=2)).mean())


def score(pairs) -> dict:
    """pairs: (generated frames, reference clip) → mouth PSNR (pooled) and mean sync correlation."""
    se, n, corrs, detail = 0.0, 0, [], []
    for frames, ref in pairs:
        x1, y1, x2, y2 = box = mouth_box(ref)
        g = frames[1:, y1:y2, x1:x2].astype(np.float64)
        r = ref.frames[1:, y1:y2, x1:x2].astype(np.float64)
        mse = ((g - r) ** 2).mean(axis=(1, 2, 3))
        se += float(np.sum(10 * np.log10(255.0 ** 2 / np.maximum(mse, 255.0 ** 2 * 1e-10))))  # cap: 100 dB
        n += len(mse)
        d, e = darkness(frames, box), envelope(ref.audio, len(frames))
        corrs.append(float(np.corrcoef(d, e)[0, 1]) if d.std() > 0 else 0.0)
        detail.append(gradient_energy(frames[1:], box) / gradient_energy(ref.frames[1:], box))
    return {"mouth_psnr": se / n, "sync_corr": float(np.mean(corrs)), "detail": float(np.mean(detail)), "frames": n}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", action="append", default=[], metavar="NAME=DIR")
    p.add_argument("--clips", type=int, default=8)
    p.add_argument("--frames", type=int, default=50)
    p.add_argument("--sampler", default="dpmsolver")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ae", default=None, help="also score GT-Rec (syncdiff-ae) of this checkpoint")
    args = p.parse_args()
    torch.set_num_threads(1)
    from talkbench import get_dataset, get_generator

    ds = get_dataset("demo")()
    refs = []
    for clip in ds.iter_clips("test", args.clips):
        frames = clip.frames[: args.frames]
        meta = {**clip.meta, "landmarks": clip.meta["landmarks"][: args.frames], "boxes": clip.meta["boxes"][: args.frames]}
        refs.append(clip.replace(frames=frames, audio=clip.audio[: args.frames * 640], meta=meta))
    out = {"bench": "syncdiff_learning", "loadavg": os.getloadavg()[0], "clips": len(refs), "frames_per_clip": args.frames,
           "sampler": args.sampler, "steps": args.steps,
           "gt": score([(r.frames, r) for r in refs]),
           "static": score([(np.repeat(r.frames[:1], len(r.frames), 0), r) for r in refs])}
    if args.ae:
        gen = get_generator("syncdiff-ae")()
        gen.load("cpu", args.ae)
        out["gt-rec"] = score([(gen.generate(r, r.audio).frames, r) for r in refs])
    for item in args.model:
        name, path = item.split("=", 1)
        gen = get_generator("syncdiff")(sampler=args.sampler, steps=args.steps)
        gen.load("cpu", path)
        t0 = time.time()
        clips = gen.generate_batch([(r, r.audio) for r in refs], seed=args.seed)
        out[name] = {**score([(c.frames, r) for c, r in zip(clips, refs)]),
                     "seconds": round(time.time() - t0, 1)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
