"""Turning a Clip into SyncNet's inputs: BGR frames at the net's size and 16 kHz audio.

``lrs`` (calculate_scores_LRS / syncnet_python on LRS-style face videos): the whole frame, after
the reference's jpg dump (optional, on by default), resized with cv2 INTER_LINEAR.
``wild`` (syncnet_python's run_pipeline) works on the file itself: ``talkbench_syncnet.wild``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from talkbench import DEFAULT_FPS, DEFAULT_SAMPLE_RATE, VIDEO_SUFFIXES, Clip, ClipFailure

from talkbench_syncnet.jpeg_roundtrip import roundtrip_file, roundtrip_planes, roundtrip_rgb



def clip_audio(generated: Clip, reference: Clip | None) -> tuple[np.ndarray, str]:
    """The audio to score against: the scored clip's own, else the reference's.

    Under the runner the scored clip carries its file's own track when the file has one (as
    syncnet_python reads the video's audio) and ``meta["audio_from"]`` says file|dataset.
    """
    for clip, name in ((generated, generated.meta.get("audio_from") or "generated"), (reference, "reference")):
        if clip is not None and clip.has_audio:
            if clip.sample_rate != DEFAULT_SAMPLE_RATE:
                raise ClipFailure(
                    f"clip {clip.id}: audio at {clip.sample_rate} Hz; SyncNet needs 16 kHz "
                    "(talkbench.load_clip resamples on read)"
                )
            return np.asarray(clip.audio, dtype=np.float32), name
    where = generated.path or f"clip {generated.id}"
    raise ClipFailure(f"{where}: has no audio track to score lip sync against, and the dataset gives none; "
                      "mux the speech into the video or put a .wav of it next to the clip")


def _resizer(size: int):
    """The reference's per-frame resize: cv2.resize, INTER_LINEAR, no antialiasing."""
    def resize(frame: np.ndarray) -> np.ndarray:
        return frame if frame.shape[:2] == (size, size) else cv2.resize(frame, (size, size))
    return resize


def _resize_all(frames_bgr: np.ndarray, size: int) -> np.ndarray:
    if frames_bgr.shape[1:3] == (size, size):
        return np.ascontiguousarray(frames_bgr)
    resize = _resizer(size)
    return np.stack([resize(f) for f in frames_bgr])


def jpeg_frames(clip: Clip, frames_rgb: np.ndarray, from_file: bool = True,
                size: int | None = None) -> tuple[np.ndarray, str]:
    """BGR frames after the reference's jpg dump (each resized to ``size``² as it is read back,
    as the reference reads and resizes each jpg) and what they were made from (file|rgb)."""
    path = clip.path
    post = _resizer(size) if size else None
    yuv = clip.yuv420 if from_file else None
    if yuv is not None and yuv.belongs_to(frames_rgb):
        # the runner's one decode kept the planes: the same frames roundtrip_file would decode
        out = roundtrip_planes(yuv, post=post)[0]
        clip.yuv420 = None  # done with them: free them before the networks run
        return out, "file"
    if from_file and path is not None and Path(path).suffix.lower() in VIDEO_SUFFIXES and Path(path).is_file():
        res = roundtrip_file(path, expect_rgb=frames_rgb, post=post)
        if res is not None:
            return res[0], "file"
    return roundtrip_rgb(frames_rgb, clip.fps, post=post), "rgb"


def prepare_frames(clip: Clip, *, protocol: str, size: int, jpeg_roundtrip: bool) -> tuple[np.ndarray, dict[str, Any]]:
    """(T×size×size×3 uint8 BGR frames, facts for the record) for the ``lrs`` protocol."""
    if abs(clip.fps - DEFAULT_FPS) > 1e-3:
        raise ClipFailure(
            f"clip {clip.id}: {clip.fps} fps; SyncNet windows assume 25 fps "
            "(talkbench.load_clip resamples on read)"
        )
    frames = clip.frames
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ClipFailure(f"clip {clip.id}: frames must be T×H×W×3 uint8, got {frames.shape} {frames.dtype}")
    info: dict[str, Any] = {"frames": int(len(frames)), "frame_size": [int(frames.shape[1]), int(frames.shape[2])]}
    if protocol != "lrs":
        raise ValueError(f"prepare_frames: protocol {protocol!r} is not frame-based; only lrs is")
    if jpeg_roundtrip:
        bgr, info["jpeg_source"] = jpeg_frames(clip, frames, size=size)
    else:
        bgr = frames[..., ::-1]
    return _resize_all(bgr, size), info


def coverage(n_frames: int, n_samples: int, min_length: int) -> dict[str, Any]:
    """How much of the video the windows cover (audio shorter than the video leaves frames out)."""
    out: dict[str, Any] = {"video_frames": int(n_frames), "audio_frames": int(n_samples) // 640}
    if min_length < n_frames:
        out["note"] = f"scored on {min_length} of {n_frames} video frames (the audio is shorter)"
    return out


def io_facts(clip: Clip) -> dict[str, Any]:
    """What talkbench's reader did to the clip (fps / sample-rate / channel conversion)."""
    io = clip.meta.get("io") or {}
    out: dict[str, Any] = {}
    video, audio = io.get("video") or {}, io.get("audio") or {}
    if video:
        out["source_fps"] = video.get("source_fps")
        out["fps_resampled"] = bool(video.get("resampled"))
    if audio:
        out["source_sample_rate"] = audio.get("source_sample_rate")
        out["source_channels"] = audio.get("source_channels")
        out["audio_resampled"] = bool(audio.get("resampled"))
        out["audio_downmixed"] = bool(audio.get("downmixed"))
    return out
