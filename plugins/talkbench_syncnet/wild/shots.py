"""Shot boundaries as run_pipeline's ``scene_detect`` finds them (PySceneDetect ContentDetector).

The reference pins scenedetect 0.5.1 and runs ``ContentDetector()`` with that version's
defaults (threshold 30, min_scene_len 15) through its ``VideoManager``, which

- numbers frames by how many OpenCV has decoded (``cv2.VideoCapture``), and
- decimates each frame by the integer factor ``set_downscale_factor()`` picks from the width
  (``frame[::f, ::f]``).

PySceneDetect 0.6+ removed ``VideoManager``, changed the default threshold to 27, resizes
instead of decimating and numbers frames by timestamp (the ``-r 25`` avi stores repeated frames
as empty packets that OpenCV skips, so timestamps run ahead of the decoded count: a cut at
decoded frame 120 reads as 122). So the frames are fed here, decoded and decimated as 0.5.1
did, to the current version's ``ContentDetector`` given 0.5.1's values (its default weights
are 0.5.1's score: the mean of the H, S and V mean absolute differences).
Shots are ``[start, end)`` in decoded-frame numbers; no cut gives one shot over every decoded
frame, as 0.5.1's ``get_scene_list`` does.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from talkbench import ClipFailure, MetricUnavailable

#: scenedetect 0.5.1's DEFAULT_DOWNSCALE_FACTORS (frame width → integer factor)
_DOWNSCALE_0_5 = ((3200, 12), (2100, 8), (1700, 6), (1200, 5), (900, 4), (600, 3), (400, 2))
THRESHOLD_0_5 = 30.0
MIN_SCENE_LEN_0_5 = 15


def downscale_0_5(width: int) -> int:
    for w, factor in _DOWNSCALE_0_5:
        if width >= w:
            return factor
    return 1


def scenedetect_version() -> str:
    try:
        import scenedetect
    except ImportError:
        return "missing"
    return str(scenedetect.__version__)


def detect_shots(video: Path, *, threshold: float = THRESHOLD_0_5, min_scene_len: int = MIN_SCENE_LEN_0_5,
                 fps: float = 25.0) -> list[tuple[int, int]]:
    """[start, end) shots of ``video`` in the frame numbers of OpenCV's decoding of it.

    Those can be fewer than the jpgs ffmpeg dumps (repeated frames): the reference slices the
    per-jpg detections with these numbers all the same, so a shot may end before the last jpgs."""
    try:
        from scenedetect import ContentDetector
    except ImportError:
        raise MetricUnavailable("the wild SyncNet protocol splits shots with PySceneDetect: "
                                "pip install scenedetect-headless (or set shot_split=false)") from None
    def decimate(width: int, height: int) -> Callable[[np.ndarray], np.ndarray]:
        factor = downscale_0_5(width)
        return (lambda f: f[::factor, ::factor, :]) if factor > 1 else (lambda f: f)

    return scan_cuts(video, ContentDetector(threshold=threshold, min_scene_len=min_scene_len), fps, decimate)


def scan_cuts(video: Path, detector: Any, fps: float,
              prepare: Callable[[int, int], Callable[[np.ndarray], np.ndarray]]) -> list[tuple[int, int]]:
    """Feed every frame OpenCV decodes from ``video`` (through ``prepare(width, height)``) to a
    PySceneDetect detector, numbered by decoded count; [start, end) shots between its cuts.

    PySceneDetect 0.6 takes frame numbers, 0.7 timecodes: both get the decoded count."""
    from scenedetect import FrameTimecode

    takes_timecode = "timecode" in inspect.signature(detector.process_frame).parameters
    at = (lambda i: FrameTimecode(i, fps)) if takes_timecode else (lambda i: i)
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise ClipFailure(f"{video}: OpenCV cannot open it for shot detection")
    prep = prepare(int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    cuts: set[int] = set()
    n = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            cuts.update(int(getattr(c, "frame_num", c)) for c in detector.process_frame(at(n), prep(frame)))
            n += 1
    finally:
        cap.release()
    if n:
        cuts.update(int(getattr(c, "frame_num", c)) for c in detector.post_process(at(n - 1)))
    bounds = [0] + sorted(c for c in cuts if 0 < c < n) + [n]
    return list(zip(bounds[:-1], bounds[1:]))
