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

from pathlib import Path

import cv2

from talkbench import MetricUnavailable

from talkbench_syncnet.wild.shots import scan_cuts, scenedetect_version  # noqa: F401  (re-exported)

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
        from scenedetect import ContentDetector
    except ImportError:
        raise MetricUnavailable("the latentsync/mocha SyncNet protocols split shots with PySceneDetect: "
                                "pip install scenedetect-headless") from None
    def resize(width: int, height: int):
        factor = downscale_0_6(width, height)
        size = (max(1, round(width / factor)), max(1, round(height / factor)))
        if factor > 1.0:
            return lambda f: cv2.resize(f, size, interpolation=cv2.INTER_LINEAR)
        return lambda f: f

    return scan_cuts(video, ContentDetector(), fps, resize)

