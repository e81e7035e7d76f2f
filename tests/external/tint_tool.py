"""A stand-in "external model" for the tests: reads inputs the way real tools do, writes a video.

Modes:
  --face VIDEO --audio WAV --outfile OUT        Wav2Lip-like: the input video, tinted, at --out-fps
  --source_image PNG --driven_audio WAV --result_dir DIR
                                                SadTalker-like: the still image repeated for the
                                                audio's duration at 256×256, saved as DIR/<stamp>.mp4
  --fail CODE       print to stderr and exit with CODE      --sleep S   sleep before working
  --no-output       exit 0 without writing anything          --env-check NAME  fail unless $NAME set
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import wave
from pathlib import Path

import cv2
import numpy as np

from talkbench import read_frames, write_video

TINT = np.array([40, 0, 0], dtype=np.int16)  # +40 on red


def wav_seconds(path: str) -> float:
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, "expected 16-bit mono"
        return w.getnframes() / w.getframerate()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--face"), ap.add_argument("--audio"), ap.add_argument("--outfile")
    ap.add_argument("--source_image"), ap.add_argument("--driven_audio"), ap.add_argument("--result_dir")
    ap.add_argument("--out-fps", type=float, default=25.0)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--no-output", action="store_true")
    ap.add_argument("--env-check")
    args = ap.parse_args()
    if args.sleep:
        time.sleep(args.sleep)
    if args.fail:
        print("loading checkpoint...", file=sys.stderr)
        print(f"RuntimeError: simulated failure {args.fail}", file=sys.stderr)
        return args.fail
    if args.env_check and not os.environ.get(args.env_check):
        print(f"missing environment variable {args.env_check}", file=sys.stderr)
        return 3
    if args.no_output:
        return 0
    if args.face:
        frames, _ = read_frames(args.face, fps=None)
        wav_seconds(args.audio)
        tinted = np.clip(frames.astype(np.int16) + TINT, 0, 255).astype(np.uint8)
        if args.out_fps != 25.0:  # nearest-frame retiming, as a tool with its own rate would
            n = int(round(len(frames) / 25.0 * args.out_fps))
            tinted = tinted[np.minimum((np.arange(n) * 25.0 / args.out_fps).astype(int), len(frames) - 1)]
        write_video(args.outfile, tinted, fps=args.out_fps)
        return 0
    image = cv2.imread(args.source_image)[..., ::-1]
    n = int(round(wav_seconds(args.driven_audio) * 25))
    still = cv2.resize(np.ascontiguousarray(image), (256, 256), interpolation=cv2.INTER_AREA)
    out = Path(args.result_dir) / (time.strftime("%Y_%m_%d_%H.%M.%S") + ".mp4")
    write_video(out, np.repeat(still[None], n, axis=0), fps=25.0)
    print(f"The generated video is named: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
