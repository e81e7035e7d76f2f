"""Video frames: decode with ffmpeg's frame-rate conversion (talkbench.io.framerate), encode mp4
(H.264 + AAC) atomically."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from talkbench.errors import MediaError
from talkbench.io.framerate import DEFAULT_FPS_POLICY, POLICY_REFERENCE, FrameTimes, check_policy, indices_for
from talkbench.io.mux import add_mono_audio, add_video, atomic_container, check_frames, encode_audio, encode_frames

# PyAV loads in the functions that decode or encode (~0.1 s): `import talkbench`, as every
# command's start-up does, does not pay for it.


def check_not_empty(path: Path, what: str = "video") -> None:
    """A zero-byte file is "empty" (an interrupted copy or download), not "truncated"."""
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(f"{path}: {what} file is empty (0 bytes); copy or download it again")


class _FrameBuffer:
    """Decoded frames written straight into one T×H×W×3 array, sized by the count the header
    declares (grown by half when it is short or unknown): a list of frames stacked afterwards
    holds every frame twice at the peak (~2×157 MB for 8 s of 512² video)."""

    def __init__(self, expected: int) -> None:
        self.expected, self.buf, self.n = max(int(expected), 0) + 2, None, 0

    def append(self, img: np.ndarray) -> None:
        if self.buf is None:
            self.buf = np.empty((self.expected, *img.shape), img.dtype)
        elif self.n == len(self.buf):
            grown = np.empty((len(self.buf) + len(self.buf) // 2 + 16, *self.buf.shape[1:]), self.buf.dtype)
            grown[: self.n] = self.buf
            self.buf = grown
        self.buf[self.n] = img  # a frame of another size fails here (ValueError), as stacking would
        self.n += 1

    def __len__(self) -> int:
        return self.n

    def array(self) -> np.ndarray:
        return self.buf[: self.n]


#: decoder pixel formats whose planes a Yuv420 holds (4:2:0, limited or full range)
YUV420_FORMATS = ("yuv420p", "yuvj420p")


@dataclass(eq=False)
class Yuv420:
    """The decoder's own 4:2:0 planes of a clip's frames (``y`` T×H×W, ``u``/``v`` T×H/2×W/2,
    uint8), kept by a decode that was asked for them (``read_frames(keep_yuv420=True)``): what
    a reference pipeline that hands the decoded picture to another encoder (the ffmpeg CLI's jpg
    dump) starts from, and which the RGB frames cannot give back. ``rate`` (the stream's
    average frame rate, 25 where it declares none) and ``sar`` are the stream's. ``belongs_to(frames)``: these are the planes of exactly that RGB array (the one
    the same decode returned, not a crop, a resampled selection or a generator's new frames)."""

    format: str
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    rate: float
    sar: Fraction | None
    frames_ref: Any = field(default=None, repr=False)

    def belongs_to(self, frames: np.ndarray) -> bool:
        return self.frames_ref is not None and self.frames_ref() is frames

    def planes(self, i: int) -> list[np.ndarray]:
        return [self.y[i], self.u[i], self.v[i]]

    def __len__(self) -> int:
        return int(len(self.y))


def _frame_planes(frame) -> list[np.ndarray] | None:
    """A decoded frame's Y, U, V planes as arrays (line padding cut off), or None if not 4:2:0."""
    if frame.format.name not in YUV420_FORMATS:
        return None
    out = []
    for p in frame.planes:
        buf = np.frombuffer(memoryview(p), np.uint8).reshape(p.height, p.line_size)
        out.append(buf[:, : p.width])
    return out


def _decode(path: Path, keep_yuv420: bool = False) -> tuple[np.ndarray, FrameTimes, float, Yuv420 | None]:
    """Every decoded frame (RGB, T×H×W×3), the timing facts ffmpeg's frame-rate rules work
    from and, when asked and every frame is 4:2:0, the decoder's planes (else None)."""
    import av

    check_not_empty(path)
    frames = _FrameBuffer(0)
    planes: list[_FrameBuffer] | None = None
    fmt = None
    declared = 0
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"{path}: has no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            declared = int(stream.frames or 0)
            frames = _FrameBuffer(declared)
            if keep_yuv420:
                planes = [_FrameBuffer(declared) for _ in range(3)]
            pts, durations = [], []
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24"))
                pts.append(frame.pts)
                durations.append(int(frame.duration or 0))
                if planes is not None:
                    got = _frame_planes(frame)
                    if got is None or fmt not in (None, frame.format.name):
                        planes = None  # not 4:2:0 throughout: nothing to keep
                    else:
                        fmt = frame.format.name
                        for buf, arr in zip(planes, got):
                            buf.append(arr)
            sar = stream.codec_context.sample_aspect_ratio
            plane_rate = float(stream.average_rate or 25)
            times = FrameTimes(
                pts=_fill_pts(pts, stream.time_base, rate), durations=np.array(durations, dtype=np.int64),
                time_base=stream.time_base or Fraction(1, 25), file_start=container.start_time,
                guessed_rate=stream.guessed_rate, n_streams=len(container.streams),
                has_audio=bool(container.streams.audio),
            )
    except av.error.FFmpegError as exc:
        if frames and declared > len(frames):  # cut mid-packet: say how much of it was there
            raise MediaError(
                f"{path}: decoded only {len(frames)} of the {declared} frames its header declares before "
                f"a decoding error ({exc}); the file is truncated: download or re-encode it again") from None
        raise MediaError(f"{path}: cannot decode video ({exc}); the file is unreadable or truncated") from None
    if not len(frames):
        raise MediaError(f"{path}: no video frames could be decoded (empty or truncated file)")
    # a file cut short after its index (mp4 "faststart") decodes without error but with fewer
    # frames than the index declares; a few frames of slack for containers that round
    if declared and len(frames) < declared - max(2, declared // 50):
        raise MediaError(
            f"{path}: decoded only {len(frames)} of the {declared} frames its header declares; "
            "the file is truncated: download or re-encode it again"
        )
    yuv = None
    if planes is not None and fmt is not None:
        yuv = Yuv420(fmt, *(b.array() for b in planes), rate=plane_rate, sar=Fraction(sar) if sar else None)
    return frames.array(), times, rate, yuv


def _fill_pts(pts: list, time_base: Fraction | None, rate: float) -> np.ndarray:
    """Frames without a pts (raw streams) are placed one nominal frame after the previous one."""
    if all(p is not None for p in pts):
        return np.array(pts, dtype=np.int64)
    step = 1 / (rate * float(time_base)) if time_base else 1.0
    out, prev = [], None
    for p in pts:
        prev = p if p is not None else (0 if prev is None else prev + int(round(step)))
        out.append(prev)
    return np.array(out, dtype=np.int64)


def read_frames(path: str | Path, fps: float | None = 25.0,
                fps_policy: str = DEFAULT_FPS_POLICY, keep_yuv420: bool = False):
    """T×H×W×3 uint8 RGB frames at ``fps`` and what was done (for the clip's io facts).

    ``fps_policy`` picks which source frames fill the output (talkbench.io.framerate):
    ``ffmpeg_r25_avi`` (default: syncnet_python's ``-r 25`` conversion), ``ffmpeg_r25``,
    ``fps_filter`` (``-vf fps=25``), or ``native`` (every frame, taken as ``fps``, as Wav2Lip's
    LRS scoring reads them). ``fps=None`` keeps the native frames too.

    ``keep_yuv420``: return ``(frames, info, yuv)`` with the decoder's 4:2:0 planes of those
    frames (a :class:`Yuv420`), or None where the file is not 4:2:0 or the frame-rate
    conversion dropped or repeated frames (then they are not the returned frames' planes).
    """
    path = Path(path)
    check_policy(fps_policy)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    frames, times, src_fps, yuv = _decode(path, keep_yuv420)
    out, info = _select(path, frames, times, src_fps, fps, fps_policy)
    if not keep_yuv420:
        return out, info
    if yuv is not None and out is frames:
        yuv.frames_ref = weakref.ref(out)
    else:
        yuv = None
    return out, info, yuv


def _select(path: Path, frames: np.ndarray, times: FrameTimes, src_fps: float, fps: float | None,
            fps_policy: str) -> tuple[np.ndarray, dict]:
    """The frames at ``fps`` under ``fps_policy`` and what was done (read_frames' second half)."""
    policy = "native" if fps is None else fps_policy
    info = {"source_fps": src_fps, "source_frames": len(frames), "fps": fps or src_fps,
            "fps_policy": policy, "fps_reference": POLICY_REFERENCE[policy]}
    if policy == "native":
        if fps is not None and abs(src_fps - fps) > 1e-3:
            # the reference LRS path does this too; said per clip, since audio and video then
            # run at different speeds
            info["retimed"] = f"{len(frames)} frames at {src_fps:.3f} fps taken as {fps:g} fps"
        return frames, info | {"resampled": False}
    idx = indices_for(policy, times, fps)
    if len(idx) == 0:
        raise MediaError(f"{path}: no frames left after the {policy} conversion to {fps} fps")
    same = len(idx) == len(frames) and bool(np.all(idx == np.arange(len(frames))))
    # the decoded array itself when every frame is kept in order (no second copy)
    return (frames if same else frames[np.asarray(idx)]), info | {"resampled": not same}


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
