"""What the two writers (delivered mp4, scored lossless mkv) share: the atomic container file,
the frame check, and the encode loops that give every frame and audio block an explicit pts.

Only the codecs and their settings differ between them; keeping one loop means the scored copy
and the delivered video can never disagree on timing (frame i at i/fps, audio sample n at n/sr).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from talkbench.errors import MediaError

if TYPE_CHECKING:
    import av

# PyAV loads in the functions that decode or encode (~0.1 s): `import talkbench`, as every
# command's start-up does, does not pay for it.


def check_frames(path: Path, frames: np.ndarray) -> np.ndarray:
    """``frames`` as a T×H×W×3 uint8 array, or a MediaError naming ``path``."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise MediaError(f"{path}: frames must be T×H×W×3 uint8, got {frames.shape} {frames.dtype}")
    return frames


def _atomic_target(path: Path) -> str:
    # ".<stem>.XXXXXXXX<suffix>": the name runner.lock.clean_temps knows as a killed run's
    # leftover video (atomic_path's ".<name>.XXXXXXXX<suffix>" would not be cleaned)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    return tmp


@contextmanager
def atomic_container(path: Path, fmt: str) -> Iterator[av.container.OutputContainer]:
    """A PyAV output container on a temp file beside ``path``, renamed onto ``path`` once closed
    without error: a reader never sees half a file; on any error the temp file is removed."""
    import av

    tmp = _atomic_target(path)
    try:
        with av.open(tmp, mode="w", format=fmt) as out:
            yield out
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; videos are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frame_rate(fps: float) -> Fraction:
    """``fps`` as the rational the streams and timestamps use (29.97 is 30000/1001)."""
    return Fraction(fps).limit_denominator(1001)


def add_video(out, codec: str, fps: float, frames: np.ndarray, pix_fmt: str, options: dict | None = None):
    """A video stream sized to ``frames`` at ``fps``."""
    vs = out.add_stream(codec, rate=frame_rate(fps))
    vs.width, vs.height = frames.shape[2], frames.shape[1]
    vs.pix_fmt = pix_fmt
    if options:
        vs.options = options
    return vs


def add_mono_audio(out, codec: str, audio: np.ndarray | None, sample_rate: int):
    """A mono audio stream, or None when there is no audio to write."""
    if audio is None or not len(audio):
        return None
    stream = out.add_stream(codec, rate=sample_rate)
    stream.layout = "mono"
    return stream


def encode_frames(out, stream, frames: np.ndarray, fps: float) -> None:
    """Encode RGB frames with explicit timestamps (frame i at i/fps, not the encoder's guess)."""
    import av

    time_base = 1 / frame_rate(fps)

    def video_frames():
        for i, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts, frame.time_base = i, time_base
            yield frame

    _encode_all(out, stream, video_frames())


def encode_audio(out, stream, audio: np.ndarray, sample_rate: int, *, chunk: int, sample_fmt: str) -> None:
    """Encode float32 mono samples in blocks of ``chunk`` (pts = first sample's index)."""
    import av

    def audio_frames():
        for start in range(0, len(audio), chunk):
            block = np.ascontiguousarray(audio[start: start + chunk][None, :])
            frame = av.AudioFrame.from_ndarray(block, format=sample_fmt, layout="mono")
            frame.sample_rate, frame.pts = sample_rate, start
            yield frame

    _encode_all(out, stream, audio_frames())


def _encode_all(out, stream, frames) -> None:
    """Encode each frame as it comes, mux its packets, then flush the encoder's last packets."""
    for frame in frames:
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
