"""Shots as LatentSync and MoChaBench find them: PySceneDetect 0.6's ``ContentDetector()``.

Both call the 0.6 API (``VideoManager`` + ``SceneManager(StatsManager())``) with the detector's
defaults (threshold 27, min_scene_len 15) and the SceneManager's automatic downscale (0.6's
``set_downscale_factor`` is a no-op; LatentSync still calls it, MoChaBench does not; LatentSync
pins 0.6.1, MoChaBench 0.6.6, the fixtures ran 0.6.6). No cut → one shot
``(base timecode, current timecode)``: every frame OpenCV decoded. wild's
``shots.detect_shots`` instead reproduces 0.5.1 (syncnet_python's pin: threshold 30, integer
decimation). Shots are ``[start, end)`` in OpenCV's frame numbers of the file.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import cv2

from talkbench import ClipFailure, MetricUnavailable

DEFAULT_MIN_WIDTH = 256  # 0.6's effective width for its automatic downscale


def downscale_0_6(width: int, height: int) -> float:
    """0.6.6's ``compute_downscale_factor(max(frame size))``: a float factor, frames cv2-resized."""
    side = max(width, height)
    return 1.0 if side < DEFAULT_MIN_WIDTH else side / float(DEFAULT_MIN_WIDTH)


def detect_shots_06(video: Path, fps: float = 25.0) -> list[tuple[int, int]]:
    """[start, end) shots in OpenCV's decoded-frame numbers, as 0.6's VideoManager counts them.

    The frames are fed to ``ContentDetector()`` here (its defaults: threshold 27, min_scene_len
    15), resized by 0.6.6's automatic factor with INTER_LINEAR, so the numbers do not depend on
    which PySceneDetect ≥ 0.6 is installed (0.7 dropped VideoManager and numbers by timestamp)."""
    try:
        from scenedetect import ContentDetector, FrameTimecode
    except ImportError:
        raise MetricUnavailable("the latentsync/mocha SyncNet protocols split shots with PySceneDetect: "
                                "pip install scenedetect-headless") from None
    detector = ContentDetector()
    takes_timecode = "timecode" in inspect.signature(detector.process_frame).parameters
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise ClipFailure(f"{video}: OpenCV cannot open it for shot detection")
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    factor = downscale_0_6(w, h)
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    cuts: set[int] = set()
    n = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if factor > 1.0:
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_LINEAR)
            at = FrameTimecode(n, fps) if takes_timecode else n
            cuts.update(int(getattr(c, "frame_num", c)) for c in detector.process_frame(at, frame))
            n += 1
    finally:
        cap.release()
    if n:
        last = FrameTimecode(n - 1, fps) if takes_timecode else n - 1
        cuts.update(int(getattr(c, "frame_num", c)) for c in detector.post_process(last))
    bounds = [0] + sorted(c for c in cuts if 0 < c < n) + [n]
    return list(zip(bounds[:-1], bounds[1:]))


def scenedetect_version() -> str:
    try:
        import scenedetect
    except ImportError:
        return "missing"
    return str(scenedetect.__version__)
