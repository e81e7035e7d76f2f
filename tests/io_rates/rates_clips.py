"""Frame-numbered test clips: every frame shows its index as a 4×4 grid of black/white blocks
(16 bits), written losslessly so the index survives decoding, at the rates the issue names and
with variable frame rate (explicit pts). Shared by the tests and build_ffmpeg_choices.py."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SIZE = 64
SECONDS = 3.3
RATES = {"23.976": Fraction(24000, 1001), "24": Fraction(24), "25": Fraction(25),
         "29.97": Fraction(30000, 1001), "30": Fraction(30), "50": Fraction(50), "60": Fraction(60)}
# mkv (ffv1, 1 ms timestamps) and mp4 (lossless x264 RGB, the rate's own time base, B-frames)
CONTAINERS = {"mkv": "ffv1", "mp4": "libx264rgb"}


def pattern(i: int) -> np.ndarray:
    img = np.zeros((SIZE, SIZE, 3), np.uint8)
    for b in range(16):
        if (i >> b) & 1:
            r, c = divmod(b, 4)
            img[r * 16:(r + 1) * 16, c * 16:(c + 1) * 16] = 255
    return img


def index_of(img: np.ndarray) -> int:
    i = 0
    for b in range(16):
        r, c = divmod(b, 4)
        if img[r * 16:(r + 1) * 16, c * 16:(c + 1) * 16].mean() > 127:
            i |= 1 << b
    return i


def vfr_pts() -> list[int]:
    """120 frames, gaps of 1, 2, 3 or 5 thirtieths of a second (seeded), in 1/30000."""
    gaps = np.random.default_rng(0).choice([1, 2, 3, 5], size=120, p=[0.5, 0.3, 0.1, 0.1])
    return [int(p) for p in np.concatenate([[0], np.cumsum(gaps * 1000)])[:120]]


def make(path: Path, rate: Fraction, n: int, pts: list[int] | None = None) -> Path:
    codec = CONTAINERS[path.suffix[1:]]
    tb = Fraction(1, 30000) if pts is not None else None
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=rate)
        s.width = s.height = SIZE
        s.pix_fmt = "rgb24" if codec == "libx264rgb" else "yuv444p"
        if codec == "libx264rgb":
            s.options = {"qp": "0", "preset": "ultrafast"}
        if tb is not None:
            s.time_base = tb
            s.codec_context.time_base = tb
        for i in range(n):
            f = av.VideoFrame.from_ndarray(pattern(i), format="rgb24")
            if pts is not None:
                f.pts, f.time_base = pts[i], tb
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


def clip_names() -> list[str]:
    return [f"cfr{r}.{c}" for r in RATES for c in CONTAINERS] + [f"vfr.{c}" for c in CONTAINERS]


def build(name: str, folder: Path) -> Path:
    path = Path(folder) / name
    if path.is_file():
        return path
    stem = path.stem
    if stem == "vfr":
        return make(path, Fraction(30), 120, vfr_pts())
    rate = RATES[stem[3:]]
    return make(path, rate, int(float(rate) * SECONDS))


def decoded_indices(path: Path) -> list[int]:
    with av.open(str(path)) as c:
        return [index_of(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
