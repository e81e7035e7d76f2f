"""The lossless copy of what a generator returned: the frames the metrics score.

The delivered mp4 (H.264 yuv420p, AAC) is for viewing; its encode moves pixels by a few grey
levels and resamples chroma, so scoring it would score talkbench's encoder too (the GT row
would show SSIM 0.988 instead of 1.000). The scored copy is a Matroska file with FFV1 video
(intra-only, bit-exact RGB) and float32 PCM audio (bit-exact samples): compact (about half of
raw), decodable by any ffmpeg, and a resumed run that adds a metric later scores the very
same frames.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from talkbench.errors import MediaError

#: suffix of the scored copy next to the delivered ``<clip>.mp4``
LOSSLESS_SUFFIX = ".lossless.mkv"
LOSSLESS_CODEC = "ffv1 (bgr0) + pcm_f32le in Matroska"


def lossless_path_for(video: Path) -> Path:
    """``videos/<clip>.mp4`` → ``videos/<clip>.lossless.mkv``."""
    video = Path(video)
    return video.with_name(video.stem + LOSSLESS_SUFFIX)


def write_lossless(path: str | Path, frames: np.ndarray, fps: float = 25.0,
                   audio: np.ndarray | None = None, sample_rate: int = 16000) -> Path:
    """Write T×H×W×3 uint8 RGB frames (any size) and float32 mono audio exactly; atomic."""
    from talkbench.io.video import _atomic_target

    path = Path(path)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise MediaError(f"{path}: frames must be T×H×W×3 uint8, got {frames.shape} {frames.dtype}")
    tmp = _atomic_target(path)
    try:
        with av.open(tmp, mode="w", format="matroska") as out:
            rate = Fraction(fps).limit_denominator(1001)
            vs = out.add_stream("ffv1", rate=rate)
            vs.width, vs.height = frames.shape[2], frames.shape[1]
            vs.pix_fmt = "bgr0"  # RGB planes without chroma subsampling: exact for rgb24
            a_s = None
            if audio is not None and len(audio):
                a_s = out.add_stream("pcm_f32le", rate=sample_rate)
                a_s.layout = "mono"
            for i, img in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
                frame.pts = i
                frame.time_base = 1 / rate
                for packet in vs.encode(frame):
                    out.mux(packet)
            for packet in vs.encode():
                out.mux(packet)
            if a_s is not None:
                _write_pcm(out, a_s, np.asarray(audio, dtype=np.float32), sample_rate)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_pcm(out, stream, audio: np.ndarray, sample_rate: int) -> None:
    chunk = 4096
    for start in range(0, len(audio), chunk):
        block = np.ascontiguousarray(audio[start: start + chunk][None, :])
        frame = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = start
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
