"""The two reference rows every table shows: ``gt`` (upper bound) and ``static`` (lower bound)."""

from __future__ import annotations

import numpy as np

from talkbench import NEEDS_SOURCE_VIDEO, Clip, Generator

# per-frame geometry in meta that must follow the frames it describes
_PER_FRAME_META = ("landmarks", "boxes", "mouth_open", "mouth_width")


def _frames_for(audio: np.ndarray, source: Clip) -> int:
    return max(1, int(round(len(audio) / source.sample_rate * source.fps)))


class GroundTruth(Generator):
    """Returns the reference video itself: the GT row of a table."""

    name = "gt"
    version = "1"
    description = "the reference video (GT row; upper bound)"
    needs = NEEDS_SOURCE_VIDEO

    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        return source.replace(audio=np.asarray(audio, dtype=np.float32),
                              meta=dict(source.meta, generator="gt"))


class Static(Generator):
    """Repeats the source's first frame for the length of the driving audio: the lower bound."""

    name = "static"
    version = "1"
    description = "first frame repeated for the whole audio (no lip motion; lower bound)"
    needs = NEEDS_SOURCE_VIDEO

    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        n = _frames_for(audio, source)
        first = source.frames[:1]
        meta = {k: v for k, v in source.meta.items() if k not in _PER_FRAME_META}
        for key in _PER_FRAME_META:  # the face does not move, so neither does its geometry
            value = source.meta.get(key)
            if isinstance(value, np.ndarray) and len(value):
                meta[key] = np.repeat(value[:1], n, axis=0)
        meta["generator"] = "static"
        return source.replace(frames=np.repeat(first, n, axis=0), audio=np.asarray(audio, dtype=np.float32),
                              meta=meta)
