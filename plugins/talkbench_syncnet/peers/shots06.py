"""Shots as LatentSync and MoChaBench find them: PySceneDetect 0.6's ``ContentDetector()``.

Both call the 0.6 API (``VideoManager`` + ``SceneManager(StatsManager())``) with the detector's
defaults (threshold 27, min_scene_len 15) and the SceneManager's automatic downscale (0.6's
``set_downscale_factor`` is a no-op; LatentSync still calls it, MoChaBench does not). No cut
→ one shot ``(base timecode, current timecode)``: every frame OpenCV decoded. wild's
``shots.detect_shots`` instead reproduces 0.5.1 (syncnet_python's pin: threshold 30, integer
decimation). Shots are ``[start, end)`` in OpenCV's frame numbers of the file.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from talkbench import MetricUnavailable


def detect_shots_06(video: Path) -> list[tuple[int, int]]:
    try:
        from scenedetect import ContentDetector, SceneManager, StatsManager
        from scenedetect.video_manager import VideoManager
    except ImportError:
        raise MetricUnavailable("the latentsync/mocha SyncNet protocols split shots with PySceneDetect 0.6 "
                                "(VideoManager API): pip install 'scenedetect>=0.6,<0.7'") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # VideoManager's deprecation notice, as the references get it
        vm = VideoManager([str(video)])
        sm = SceneManager(StatsManager())
        sm.add_detector(ContentDetector())
        base = vm.get_base_timecode()
        vm.start()
        sm.detect_scenes(frame_source=vm)
        scenes = sm.get_scene_list(base) or [(base, vm.get_current_timecode())]
        vm.release()
    return [(int(a.frame_num), int(b.frame_num)) for a, b in scenes]


def scenedetect_version() -> str:
    try:
        import scenedetect
    except ImportError:
        return "missing"
    return str(scenedetect.__version__)
