"""Shot boundaries as run_pipeline's ``scene_detect`` finds them (PySceneDetect ContentDetector).

The reference pins scenedetect 0.5.1 (``VideoManager``, removed in 0.7) and calls
``ContentDetector()`` with that version's defaults: threshold 30, min_scene_len 15 frames, on
frames decimated by the integer factor its ``set_downscale_factor()`` picks from the width.
Here the current API is given those values explicitly (0.6+ changed the default threshold to
27 and the downscale rule). Shots are ``[start, end)`` frame ranges of the converted video;
no cut gives one shot over every frame, as 0.5.1's ``get_scene_list`` does.
"""

from __future__ import annotations

from pathlib import Path

from talkbench import MetricUnavailable

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


def detect_shots(video: Path, *, threshold: float = THRESHOLD_0_5,
                 min_scene_len: int = MIN_SCENE_LEN_0_5) -> list[tuple[int, int]]:
    """[start, end) shots of ``video`` in the frame numbers of OpenCV's decoding of it.

    Those can be fewer than the jpgs ffmpeg dumps: the ``-r 25`` avi stores a duplicated frame
    as an empty packet, which ffmpeg repeats and OpenCV skips. The reference slices the per-jpg
    detections with these numbers all the same (so a shot may end before the last jpgs)."""
    try:
        from scenedetect import ContentDetector, SceneManager, open_video
    except ImportError:
        raise MetricUnavailable("the wild SyncNet protocol splits shots with PySceneDetect: "
                                "pip install scenedetect-headless (or set shot_split=false)") from None
    stream = open_video(str(video), backend="opencv")
    manager = SceneManager()
    manager.auto_downscale = False
    manager.downscale = downscale_0_5(int(stream.frame_size[0]))
    manager.add_detector(ContentDetector(threshold=threshold, min_scene_len=min_scene_len))
    manager.detect_scenes(stream, show_progress=False)
    num_frames = int(stream.frame_number)  # frames decoded (0.5.1: the VideoManager's count)
    cuts = sorted({int(start.frame_num) for start, _ in manager.get_scene_list()} - {0})
    bounds = [0] + [c for c in cuts if c < num_frames] + [num_frames]
    return list(zip(bounds[:-1], bounds[1:]))
