"""``track_faces``: one call from a clip to a cached, smoothed FaceTrack."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from talkbench.clip import Clip
from talkbench.errors import ClipFailure
from talkbench.faces import cache as face_cache
from talkbench.faces.face_track import FaceTrack
from talkbench.faces.track_cleanup import NO_FACE_POLICIES, SMOOTH_METHODS, build_track, pick_face

log = logging.getLogger("talkbench.faces")

BACKEND_CHOICES = ("auto", "given", "dlib", "fan")
#: what the boxes of each backend cover: Wav2Lip's pads were tuned on S3FD boxes, which reach
#: higher (forehead) than dlib's HOG boxes (brows to chin)
BOX_STYLE = {"given": "given", "dlib": "dlib-hog", "fan": "s3fd"}
GIVEN_VERSION = "given-1"
#: the longer side frames are shrunk to for detection (landmarks are fitted at full size)
DEFAULT_DETECT_MAX_SIDE = 360


def has_given_geometry(clip: Clip) -> bool:
    return clip.meta.get("landmarks") is not None


def choose_backend(clip: Clip, backend: str) -> tuple[str, str]:
    """(backend to run, why) for ``backend`` in auto/given/dlib/fan or a plugin's backend."""
    if backend not in BACKEND_CHOICES:
        from talkbench.faces.backends import plugin_backends

        registered = plugin_backends()
        if backend in registered:
            return backend, "requested"
        raise ValueError(f"face backend {backend!r}: use one of "
                         f"{', '.join((*BACKEND_CHOICES, *sorted(registered)))}")
    if backend != "auto":
        return backend, "requested"
    if has_given_geometry(clip):
        return "given", "clip carries landmarks in clip.meta"
    from talkbench.faces.backends.fan_backend import fan_available

    if fan_available():
        return "fan", "face-alignment weights present"
    return "dlib", "face-alignment weights missing (see `talkbench weights`); dlib is fully offline"


def _given_track(clip: Clip) -> tuple[np.ndarray, np.ndarray]:
    if not has_given_geometry(clip):
        raise ValueError(
            f"clip {clip.id}: backend 'given' needs clip.meta['landmarks'] (T×68×2); "
            "use backend auto, dlib or fan for clips without them"
        )
    lm = np.asarray(clip.meta.get("landmarks"), dtype=np.float32)
    if lm.ndim != 3 or lm.shape[1:] != (68, 2):
        raise ValueError(f"clip {clip.id}: meta['landmarks'] must be T×68×2, got {lm.shape}")
    boxes = clip.meta.get("boxes")
    if boxes is None:  # landmarks only: their bounding box
        boxes = np.concatenate([lm.min(axis=1), lm.max(axis=1)], axis=1)
    return np.asarray(boxes, dtype=np.float32).reshape(-1, 4), lm


def detect_raw(frames: np.ndarray, backend, *, progress: bool = False, label: str = "") -> dict[str, np.ndarray]:
    """Per-frame detections of the followed face: boxes/landmarks NaN where none was found."""
    t = len(frames)
    boxes = np.full((t, 4), np.nan, dtype=np.float32)
    lms = np.full((t, 68, 2), np.nan, dtype=np.float32)
    scores = np.full(t, np.nan, dtype=np.float32)
    counts = np.zeros(t, dtype=np.int16)
    previous = None
    frame_iter = range(t)
    if progress:
        from rich.progress import track as rich_track

        frame_iter = rich_track(frame_iter, description=f"faces {label}", transient=True)
    for i in frame_iter:
        dets = backend.detect(frames[i])
        counts[i] = len(dets)
        best = pick_face(list(dets), previous)
        if best is None:
            continue
        boxes[i], lms[i], scores[i] = best[0], best[1], best[2]
        previous = boxes[i]
    return {"boxes": boxes, "landmarks": lms, "scores": scores, "counts": counts}


def track_faces(
    clip: Clip | np.ndarray,
    backend: str = "auto",
    no_face: str = "previous",
    smooth: int = 5,
    cache: bool = True,
    *,
    smooth_method: str = "median",
    max_gap: int = 12,
    device: str = "cpu",
    detect_max_side: int = DEFAULT_DETECT_MAX_SIDE,
    progress: bool = False,
    role: str = "",
) -> FaceTrack:
    """Follow the main face of ``clip`` (a Clip, or T×H×W×3 frames) through every frame.

    ``backend``: ``given`` (clip.meta["landmarks"]/["boxes"], e.g. demo clips), ``dlib``, ``fan``,
    a backend a plugin registered (``register_face_backends``, e.g. ``s3fd-syncnet``: boxes only),
    or ``auto`` = given if present, else fan if its weights are present, else dlib; which one ran
    and why is in ``track.backend`` / ``track.meta``. ``no_face``: skip|previous|center for
    frames without a face after interpolating gaps of ≤ ``max_gap`` frames; ``smooth``: window
    of the temporal box filter (``smooth_method`` median|mean). Detections are cached under
    ``$TALKBENCH_HOME/faces`` (``cache=False`` ignores and does not write the cache).
    A clip without any face raises ``talkbench.ClipFailure`` naming the file and ``role``
    (e.g. "reference clip", "generated clip").
    """
    try:
        return _track_faces(clip, backend, no_face, smooth, cache, smooth_method=smooth_method,
                            max_gap=max_gap, device=device, detect_max_side=detect_max_side, progress=progress)
    except ClipFailure as exc:
        if "no face found" not in str(exc) or not isinstance(clip, Clip):
            raise
        where = str(clip.path) if clip.path is not None else f"clip {clip.id}"
        what = f" ({role})" if role else ""
        frames = str(exc).split("no face found", 1)[1]
        raise ClipFailure(f"{where}{what}: no face found{frames}; check that the file shows a face") from None


def _track_faces(clip, backend, no_face, smooth, cache, *, smooth_method, max_gap, device,
                 detect_max_side, progress) -> FaceTrack:
    if no_face not in NO_FACE_POLICIES:
        raise ValueError(f"no_face={no_face!r}: use one of {', '.join(NO_FACE_POLICIES)}")
    if smooth_method not in SMOOTH_METHODS:
        raise ValueError(f"smooth_method={smooth_method!r}: use one of {', '.join(SMOOTH_METHODS)}")
    if isinstance(clip, np.ndarray):
        clip = Clip(id="frames", frames_source=clip)
    started = time.perf_counter()
    name, why = choose_backend(clip, backend)
    settings = {"no_face": no_face, "smooth": smooth, "smooth_method": smooth_method, "max_gap": max_gap}
    meta: dict[str, Any] = {"backend_requested": backend, "backend_reason": why, **settings}

    if name == "given":
        raw_boxes, raw_lm = _given_track(clip)
        h, w = clip.frames.shape[1:3] if clip.frames_source is not None else (0, 0)
        if clip.frames_source is not None and clip.num_frames != len(raw_lm):
            raise ClipFailure(
                f"clip {clip.id}: clip.meta['landmarks'] has {len(raw_lm)} frames but the clip "
                f"{clip.num_frames}; drop the stale geometry or use backend dlib/fan"
            )
        found = np.isfinite(raw_boxes).all(axis=1)
        boxes, lms, found, stats = build_track(
            raw_boxes, raw_lm, (h, w), no_face=no_face, smooth=0, max_gap=max_gap, clip_id=clip.id
        )  # exact geometry: nothing to smooth
        meta.update(stats=stats, frame_shape=[int(h), int(w)], cache="none", box_style="given")
        return FaceTrack(boxes, lms, found, "given", GIVEN_VERSION, meta)

    from talkbench.faces.backends import make_backend

    be = make_backend(name, device=device, detect_max_side=detect_max_side)
    raw, key, status = _cached_detections(clip, be, cache, progress)
    h, w = (int(v) for v in raw["frame_shape"])
    boxes, lms, found, stats = build_track(
        raw["boxes"], raw["landmarks"], (h, w), no_face=no_face, smooth=smooth,
        smooth_method=smooth_method, max_gap=max_gap, clip_id=clip.id,
    )
    meta.update(
        stats=stats, frame_shape=[h, w], detect=be.settings(), cache_key=key,
        box_style=BOX_STYLE.get(name) or be.box_style or name, cache=status,
        multiple_faces_frames=int((raw["counts"] > 1).sum()),
        seconds=round(time.perf_counter() - started, 3),
    )
    log.info("faces %s: %s (%s), %d/%d frames detected, cache %s", clip.id, name, why,
             stats["found"], stats["frames"], meta["cache"])
    return FaceTrack(boxes, lms, found, name, be.version, meta)


def _cached_detections(clip: Clip, be, cache: bool, progress: bool) -> tuple[dict, str, str]:
    """(raw detections, cache key, "hit"|"miss"|"off"); detects only on a miss."""
    parts = (clip.fps, be.name, be.version, be.settings())
    file_key = None
    if cache and clip.path is not None and callable(clip.frames_source) and Path(clip.path).is_file():
        # frames still lazily read from the file: its hash decides, and a hit skips decoding
        file_key = face_cache.cache_key(face_cache.file_content_key(clip.path), *parts)
        raw = face_cache.load_raw(file_key)
        if raw is not None:
            return raw, file_key, "hit"
    frames = clip.frames
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"clip {clip.id}: frames must be T×H×W×3 with T ≥ 1, got {frames.shape}")
    key = face_cache.cache_key(face_cache.clip_content_key(clip), *parts)
    raw = face_cache.load_raw(key) if cache else None
    status = "hit"
    if raw is None or len(raw["boxes"]) != len(frames):
        raw = detect_raw(frames, be, progress=progress, label=clip.id)
        raw["frame_shape"] = np.array(frames.shape[1:3], dtype=np.int64)
        status = "miss" if cache else "off"
        if cache:
            face_cache.save_raw(key, **raw)
    if file_key is not None:
        face_cache.save_raw(file_key, **raw)
    return raw, key, status
