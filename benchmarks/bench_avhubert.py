"""AV-HuBERT speed on this machine; prints one JSON line.

    python benchmarks/bench_avhubert.py [--device cpu] [--seconds 8] [--beam 5] [--threads 1]

Measures (random weights, eval mode, no grad): BASE ``encode_audio`` on N seconds of audio,
the LARGE seq2seq encoder on N seconds of 88×88 video, and LARGE beam search (video only,
max_len = frames, the metric's path) per clip.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from talkbench_avhubert import AudioFeatureEncoder
from talkbench_avhubert.model import AVHubertSeq2Seq


def _timed(fn, repeat: int = 1) -> float:
    fn()  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    T = int(args.seconds * 25)
    audio = (np.random.default_rng(0).standard_normal(int(args.seconds * 16000)) * 0.1).astype(np.float32)
    base = AudioFeatureEncoder.build("base").eval().to(args.device)
    with torch.no_grad():
        t_base = _timed(lambda: base.encode_audio(audio, num_frames=T))
    del base
    large = AVHubertSeq2Seq.from_preset("large", vocab_size=1000).eval().to(args.device)
    video = torch.randn(1, 1, T, 88, 88, device=args.device)
    mask = torch.zeros(1, T, dtype=torch.bool, device=args.device)
    with torch.no_grad():
        t_enc = _timed(lambda: large.encode(None, video, mask))
        t0 = time.perf_counter()
        hyps = large.generate(None, video, mask, beam=args.beam)
        t_beam = time.perf_counter() - t0
    print(json.dumps({
        "bench": "avhubert", "device": args.device, "threads": args.threads, "seconds": args.seconds,
        "frames": T, "base_encode_audio_s": round(t_base, 3),
        "large_video_encoder_s": round(t_enc, 3), "large_beam_s": round(t_beam, 3),
        "beam": args.beam, "hyp_len": int(len(hyps[0]["tokens"])), "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
