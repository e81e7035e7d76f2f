"""SyncNet "in the wild": syncnet_python's run_pipeline.py + run_syncnet.py, as Wav2Lip's
``calculate_scores_real_videos.sh`` drives them, with one result per face track.

Stages (one module each): ``convert`` (ffmpeg pre-conversion), detections (a talkbench face
backend or a given geometry file), ``shots`` (PySceneDetect), ``tracks`` (IoU tracking),
``crops`` (median-filtered crop geometry, XVID + JPEG round trips), ``pipeline`` (audio span,
per-track scores, the clip value). Every setting is a field of :class:`WildSettings`.
"""

from talkbench_syncnet.wild.settings import AUDIO_SPANS, COMBINE_RULES, WildSettings

__all__ = ["WildSettings", "COMBINE_RULES", "AUDIO_SPANS"]
