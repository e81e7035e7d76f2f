"""libavfilter's ``fps`` filter run on timestamps only, through PyAV: ffmpeg's choice by construction.

Each input frame is a tiny grey picture whose pixels spell its index; the filter repeats or drops
frames by their pts alone, so reading the indices back from its output gives exactly which
source frame ffmpeg's ``-vf fps=25`` shows in each output slot, without pushing real pictures
through the graph.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import av

# PyAV loads in the functions that decode or encode (~0.1 s): `import talkbench`, as every
# command's start-up does, does not pay for it.

_W = 8  # index in little-endian bytes of the first row (8 bytes: any frame count)


def _tag(i: int) -> av.VideoFrame:
    import av

    row = np.frombuffer(int(i).to_bytes(_W, "little"), dtype=np.uint8)
    return av.VideoFrame.from_ndarray(np.tile(row, (2, 1)), format="gray")


def _index(frame: av.VideoFrame) -> int:
    return int.from_bytes(frame.to_ndarray(format="gray")[0, :_W].tobytes(), "little")


def fps_filter_indices(pts: np.ndarray, durations: np.ndarray, time_base: Fraction, frame_rate: Fraction | None,
                       fps: str = "25") -> np.ndarray:
    """Source index of each frame ``fps=<fps>`` outputs for frames at ``pts`` (in ``time_base``).

    The frames carry their durations: the end of stream is the last frame's pts + duration, as
    when ffmpeg closes the filter's input, and the filter rounds that end to decide how often
    the last frame is shown.
    """
    import av

    graph = av.filter.Graph()
    # as ffmpeg's buffer source: the stream's time base and its guessed frame rate
    rate = {"frame_rate": str(frame_rate)} if frame_rate else {}
    src = graph.add("buffer", video_size=f"{_W}x2", pix_fmt=str(int(av.video.format.VideoFormat("gray"))),
                    time_base=str(time_base), pixel_aspect="1/1", **rate)
    conv = graph.add("fps", f"fps={fps}")
    sink = graph.add("buffersink")
    src.link_to(conv)
    conv.link_to(sink)
    graph.configure()
    out: list[int] = []

    def drain() -> None:
        while True:
            try:
                out.append(_index(sink.pull()))
            except (av.error.BlockingIOError, av.error.EOFError):
                return

    for i, p in enumerate(pts):
        frame = _tag(i)
        frame.pts = int(p)
        frame.time_base = time_base
        frame.duration = int(durations[i])
        src.push(frame)
        drain()
    src.push(None)
    drain()
    return np.array(out, dtype=np.int64)
