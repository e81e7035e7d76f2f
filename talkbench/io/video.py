"""Video frames: decode with frame-rate conversion, encode mp4 (H.264 + AAC) atomically."""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from talkbench.errors import MediaError


def check_not_empty(path: Path, what: str = "video") -> None:
    """A zero-byte file is "empty" (an interrupted copy or download), not "truncated"."""
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(f"{path}: {what} file is empty (0 bytes); copy or download it again")


def _decode(path: Path) -> tuple[list[np.ndarray], list[float], float]:
    check_not_empty(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"{path}: has no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            frames, times = [], []
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24"))
                times.append(float(frame.time) if frame.time is not None else len(times) / rate)
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot decode video ({exc}); the file is unreadable or truncated") from None
    if not frames:
        raise MediaError(f"{path}: no video frames could be decoded (empty or truncated file)")
    declared = int(stream.frames or 0)
    # a file cut short after its index (mp4 "faststart") decodes without error but with fewer
    # frames than the index declares; a few frames of slack for containers that round
    if declared and len(frames) < declared - max(2, declared // 50):
        raise MediaError(
            f"{path}: decoded only {len(frames)} of the {declared} frames its header declares; "
            "the file is truncated: download or re-encode it again"
        )
    return frames, times, rate


def conversion_indices(times: np.ndarray, src_fps: float, fps: float) -> np.ndarray:
    """Source frame index for each output frame at ``fps`` (nearest-slot, as ffmpeg's fps filter).

    Output length = round(duration · fps) with duration = n_src / src_fps, so a 6.1 s clip at
    22.13 fps gives 152 frames at 25 fps.
    """
    times = np.asarray(times, dtype=np.float64) - float(times[0])
    n_out = max(1, int(round(len(times) / src_fps * fps)))
    slots = np.round(times * fps).astype(np.int64)
    # for each output slot k: the last source frame whose slot is <= k
    return np.clip(np.searchsorted(slots, np.arange(n_out), side="right") - 1, 0, len(times) - 1)


def read_frames(path: str | Path, fps: float | None = 25.0) -> tuple[np.ndarray, dict]:
    """T×H×W×3 uint8 RGB frames at ``fps`` (None keeps the native rate) and a description."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    frames, times, src_fps = _decode(path)
    info = {"source_fps": src_fps, "source_frames": len(frames), "fps": fps or src_fps}
    if fps is None or abs(src_fps - fps) < 1e-3:
        return np.stack(frames), info | {"resampled": False}
    idx = conversion_indices(np.array(times), src_fps, fps)
    return np.stack([frames[i] for i in idx]), info | {"resampled": True}


def _atomic_target(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    return tmp


def write_video(
    path: str | Path,
    frames: np.ndarray,
    fps: float = 25.0,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
    crf: int = 18,
) -> Path:
    """Write mp4 (H.264 yuv420p, AAC mono) to a temp file, then rename: never half a file."""
    path = Path(path)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise MediaError(f"{path}: frames must be T×H×W×3 uint8, got {frames.shape} {frames.dtype}")
    h, w = frames.shape[1:3]
    if h % 2 or w % 2:  # yuv420p needs even sizes
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    tmp = _atomic_target(path)
    try:
        with av.open(tmp, mode="w", format="mp4") as out:
            rate = Fraction(fps).limit_denominator(1001)
            vs = out.add_stream("libx264", rate=rate)
            vs.width, vs.height = frames.shape[2], frames.shape[1]
            vs.pix_fmt = "yuv420p"
            vs.options = {"crf": str(crf), "preset": "medium"}
            a_s = None
            if audio is not None and len(audio):
                a_s = out.add_stream("aac", rate=sample_rate)
                a_s.layout = "mono"
            for i, img in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                # explicit timestamps (frame i at i/fps) rather than whatever the encoder guesses.
                # Note: frames narrower than ~64 px were seen to encode differently from run to
                # run under load (x264/ffmpeg on tiny pictures); 64 px and up were stable.
                frame.pts = i
                frame.time_base = 1 / rate
                for packet in vs.encode(frame):
                    out.mux(packet)
            for packet in vs.encode():
                out.mux(packet)
            if a_s is not None:
                _encode_audio(out, a_s, np.asarray(audio, dtype=np.float32), sample_rate)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; videos are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _encode_audio(out, stream, audio: np.ndarray, sample_rate: int) -> None:
    chunk = 1024
    pts = 0
    audio = np.clip(audio, -1.0, 1.0)
    for start in range(0, len(audio), chunk):
        block = audio[start : start + chunk][None, :]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = pts
        pts += block.shape[1]
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
