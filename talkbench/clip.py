"""The unit of data: a talking-head clip (video frames + mono audio + optional transcript)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

FramesLoader = Callable[[], np.ndarray]
AudioLoader = Callable[[], np.ndarray]

#: The rates every clip is brought to on read (the paper and all reference repos use these).
DEFAULT_FPS = 25.0
DEFAULT_SAMPLE_RATE = 16000


@dataclass(eq=False)
class Clip:
    """A clip. ``frames`` is T×H×W×3 uint8 RGB, ``audio`` float32 mono in [-1, 1].

    Either array may be given directly or as a zero-argument loader, which is called on first
    access and cached, so that a dataset can hand out thousands of clips without decoding them.
    """

    id: str
    frames_source: np.ndarray | FramesLoader | None = None
    audio_source: np.ndarray | AudioLoader | None = None
    fps: float = DEFAULT_FPS
    sample_rate: int = DEFAULT_SAMPLE_RATE
    transcript: str | None = None
    speaker: str | None = None
    path: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: the decoder's 4:2:0 planes of ``frames`` (talkbench.io.Yuv420) when the runner decoded
    #: the file with them kept for a metric that asked (Metric.uses_yuv420), else None; check
    #: ``yuv420.belongs_to(clip.frames)`` before use. A metric done with them may set None.
    yuv420: Any = field(default=None, repr=False, compare=False)
    _content_memo: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def frames(self) -> np.ndarray:
        src = self.frames_source
        if src is None:
            raise ValueError(f"clip {self.id}: has no video frames")
        if callable(src):
            src = self.frames_source = src()
        return src

    @property
    def audio(self) -> np.ndarray:
        src = self.audio_source
        if src is None:
            from talkbench.errors import MediaError  # a ValueError too, as callers expect

            if self.path is not None:
                raise MediaError(
                    f"{self.path}: clip {self.id} has no audio (no audio track and no sibling audio file); "
                    f"put {Path(self.path).stem}.wav next to it or mux the speech into the video"
                )
            raise MediaError(f"clip {self.id}: has no audio; give the clip audio (Clip(audio_source=...))")
        if callable(src):
            src = self.audio_source = src()
        return src

    @property
    def has_audio(self) -> bool:
        return self.audio_source is not None

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def duration(self) -> float:
        """Seconds of video (frames / fps)."""
        return self.num_frames / self.fps

    def content_key(self) -> str:
        """A digest of the decoded frames and audio (blake2b-128 over shapes, dtypes and bytes),
        computed once per clip object: every metric of a run that keys a cache by the clip's
        content shares one hash of its (often 100+ MB) frame array. The memo is tied to the
        array objects, so a clip whose ``frames_source``/``audio_source`` is set anew is hashed
        anew; arrays must not be changed in place (nothing in talkbench does)."""
        import hashlib

        frames = self.frames
        audio = self.audio if self.has_audio else None
        memo = self._content_memo
        if memo is not None and memo[0]() is frames and (memo[1]() if memo[1] else None) is audio:
            return memo[2]
        h = hashlib.blake2b(digest_size=16)
        h.update(repr((frames.shape, str(frames.dtype))).encode())
        h.update(np.ascontiguousarray(frames).data)
        if audio is not None:
            h.update(repr((audio.shape, str(audio.dtype))).encode())
            h.update(np.ascontiguousarray(audio).data)
        key = h.hexdigest()
        # weak references: an array that was freed (and whose address a new one reuses) never matches
        self._content_memo = (weakref.ref(frames), weakref.ref(audio) if audio is not None else None, key)
        return key

    def replace(self, **changes: Any) -> "Clip":
        """A copy with some fields changed (``frames=`` and ``audio=`` accepted as shorthands)."""
        if "frames" in changes:
            changes["frames_source"] = changes.pop("frames")
        if "frames_source" in changes:
            changes.setdefault("yuv420", None)  # planes of the old frames are not the new ones' planes
        if "audio" in changes:
            changes["audio_source"] = changes.pop("audio")
        data = dict(
            id=self.id, frames_source=self.frames_source, audio_source=self.audio_source,
            fps=self.fps, sample_rate=self.sample_rate, transcript=self.transcript,
            speaker=self.speaker, path=self.path, meta=dict(self.meta), yuv420=self.yuv420,
        )
        data.update(changes)
        return Clip(**data)

    def __repr__(self) -> str:
        loaded = not callable(self.frames_source) and self.frames_source is not None
        shape = tuple(self.frames_source.shape) if loaded else "lazy"
        return f"Clip(id={self.id!r}, frames={shape}, fps={self.fps}, sr={self.sample_rate})"
