"""The lossless copy of what a generator returned: the frames the metrics score.

The delivered mp4 (H.264 yuv420p, AAC) is for viewing; its encode moves pixels by a few grey
levels and resamples chroma, so scoring it would score talkbench's encoder too (the GT row
would show SSIM 0.988 instead of 1.000). The scored copy is a Matroska file with FFV1 video
(intra-only, bit-exact RGB) and float32 PCM audio (bit-exact samples): compact (about half of
raw), decodable by any ffmpeg, and a resumed run that adds a metric later scores the very
same frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkbench.io.mux import add_mono_audio, add_video, atomic_container, check_frames, encode_audio, encode_frames

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
    path = Path(path)
    frames = check_frames(path, frames)
    with atomic_container(path, "matroska") as out:
        vs = add_video(out, "ffv1", fps, frames, "bgr0")  # RGB planes without chroma subsampling: exact for rgb24
        a_s = add_mono_audio(out, "pcm_f32le", audio, sample_rate)
        encode_frames(out, vs, frames, fps)
        if a_s is not None:
            encode_audio(out, a_s, np.asarray(audio, dtype=np.float32), sample_rate, chunk=4096, sample_fmt="flt")
    return path
