"""Video frames: decode with frame-rate conversion, encode mp4 (H.264 + AAC) atomically."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from talkbench.errors import MediaError
from talkbench.io.mux import add_mono_audio, add_video, atomic_container, check_frames, encode_audio, encode_frames


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
    frames = check_frames(path, frames)
    h, w = frames.shape[1:3]
    if h % 2 or w % 2:  # yuv420p needs even sizes
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    with atomic_container(path, "mp4") as out:
        vs = add_video(out, "libx264", fps, frames, "yuv420p", {"crf": str(crf), "preset": "medium"})
        a_s = add_mono_audio(out, "aac", audio, sample_rate)
        # Note: frames narrower than ~64 px were seen to encode differently from run to run
        # under load (x264/ffmpeg on tiny pictures); 64 px and up were stable.
        encode_frames(out, vs, frames, fps)
        if a_s is not None:
            audio = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
            encode_audio(out, a_s, audio, sample_rate, chunk=1024, sample_fmt="fltp")
    return path
