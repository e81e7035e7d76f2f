"""A Clip backed by a file: frames and audio decoded lazily, at the run's rates."""

from __future__ import annotations

from pathlib import Path

from talkbench.clip import DEFAULT_FPS, DEFAULT_SAMPLE_RATE, Clip
from talkbench.errors import MediaError
from talkbench.io.audio import DEFAULT_RESAMPLER, check_resampler, read_audio
from talkbench.io.framerate import DEFAULT_FPS_POLICY, check_policy
from talkbench.io.video import check_not_empty, read_frames

# PyAV loads in the functions that decode or encode (~0.1 s): `import talkbench`, as every
# command's start-up does, does not pay for it.

AUDIO_SUFFIXES = (".wav", ".mp3", ".flac", ".m4a", ".aac", ".ogg")


def probe(path: str | Path) -> dict:
    """Container facts without decoding: fps, frames, duration, audio rate/channels."""
    import av

    path = Path(path)
    check_not_empty(path, "media")
    try:
        with av.open(str(path)) as c:
            info: dict = {"path": str(path)}
            if c.streams.video:
                v = c.streams.video[0]
                info.update(fps=float(v.average_rate or 0), frames=v.frames, width=v.width, height=v.height)
            if c.streams.audio:
                a = c.streams.audio[0]
                info.update(sample_rate=a.rate, channels=a.channels)
            info["duration"] = float(c.duration / av.time_base) if c.duration else None
            return info
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot open ({exc})") from None


def sibling_audio(video: Path) -> Path | None:
    for suffix in AUDIO_SUFFIXES:
        cand = video.with_suffix(suffix)
        if cand.is_file() and cand != video:
            return cand
    return None


def load_clip(
    path: str | Path,
    *,
    clip_id: str | None = None,
    audio_path: str | Path | None = None,
    fps: float = DEFAULT_FPS,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    transcript: str | None = None,
    speaker: str | None = None,
    require_audio: bool = True,
    fps_policy: str = DEFAULT_FPS_POLICY,
    resampler: str = DEFAULT_RESAMPLER,
) -> Clip:
    """Lazy Clip from a video (or still image) file; audio from the file, ``audio_path`` or a sibling.

    ``fps_policy``: which source frames make the ``fps`` frames (talkbench.io.framerate);
    ``resampler``: how audio reaches ``sample_rate`` (talkbench.io.audio). Both are in
    ``clip.meta["io"]["read"]`` at once (a scored file is read the same way), and what was done
    is in ``clip.meta["io"]["video"]`` / ``["audio"]`` once the data is decoded.
    """
    import av

    check_policy(fps_policy)
    check_resampler(resampler)
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    check_not_empty(path)
    meta: dict = {"io": {"read": {"fps_policy": fps_policy, "resampler": resampler}}}
    has_own_audio = False
    try:
        with av.open(str(path)) as c:
            has_own_audio = bool(c.streams.audio)
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: cannot open ({exc}); the file is unreadable or truncated") from None
    apath = Path(audio_path) if audio_path else (path if has_own_audio else sibling_audio(path))
    if apath is None and require_audio:
        raise MediaError(
            f"{path}: video has no audio track; put a {path.stem}.wav next to it or pass an audio file"
        )

    def frames():
        arr, info = read_frames(path, fps, fps_policy)
        meta["io"]["video"] = info
        return arr

    def audio():
        arr, info = read_audio(apath, sample_rate, resampler)
        meta["io"]["audio"] = info | {"path": str(apath)}
        return arr

    return Clip(
        id=clip_id or path.stem, frames_source=frames, audio_source=audio if apath else None,
        fps=fps, sample_rate=sample_rate, transcript=transcript, speaker=speaker, path=path, meta=meta,
    )
