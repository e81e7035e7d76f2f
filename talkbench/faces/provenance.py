"""Which face backend produced a metric's boxes, and the metrics' no-fallback rule.

The reference evaluations cut faces with S3FD boxes (face-alignment; TalkLip's
visual_quality.py, syncnet_python's run_pipeline), so for a metric ``auto`` means: the clip's own
geometry when it carries exact landmarks (the demo dataset), else face-alignment. When
face-alignment's weights are missing the metric does not quietly switch to dlib (whose HOG
boxes sit lower and tighter, which moves PSNR/SSIM): the clip fails with the fix, and a user who
wants dlib says so (``--metric-option psnr.face_backend=dlib``); the record and tables label it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from talkbench.clip import Clip
from talkbench.errors import ClipFailure, WeightsInvalidError, WeightsMissingError
from talkbench.faces.face_track import FaceTrack

#: backends a metric may use without its table being labelled: the protocol's, or exact geometry
PROTOCOL_BACKENDS = ("auto", "fan", "given")


def metric_backend(clip: Clip, requested: str, metric: str = "psnr") -> tuple[str, str]:
    """(backend a metric runs for ``requested``, why); raises ClipFailure with the fix rather
    than falling back from face-alignment to dlib."""
    from talkbench.faces.pipeline import has_given_geometry

    if requested != "auto":
        return requested, "requested"
    if has_given_geometry(clip):
        return "given", "clip carries exact landmarks in clip.meta"
    from talkbench.faces.backends.fan_backend import fan_weight_paths

    try:
        fan_weight_paths()
    except (WeightsMissingError, WeightsInvalidError) as exc:
        raise ClipFailure(
            f"{metric}: the protocol's face backend (face-alignment S3FD boxes) is unavailable: {exc}; "
            f"or choose another backend explicitly, e.g. --metric-option {metric}.face_backend=dlib "
            "(the record and tables then label it)"
        ) from None
    return "fan", "the protocol's backend (S3FD boxes, as the reference evaluations)"


@lru_cache(maxsize=8)
def _backend_weights(backend: str) -> tuple[tuple[str, str, str], ...]:
    from talkbench.hashing import sha256_file

    if backend == "fan":
        from talkbench.faces.backends.fan_backend import fan_weight_paths
        from talkbench.faces.fan_weights import FAN_2D, S3FD

        return tuple((name, str(p), sha256_file(p)) for name, p in zip((S3FD, FAN_2D), fan_weight_paths()))
    if backend == "dlib":
        from talkbench.faces.backends.dlib_backend import PREDICTOR_FILE, predictor_path

        p = predictor_path()
        return ((PREDICTOR_FILE, str(p), sha256_file(p)),)
    if backend == "given":
        return ()
    from talkbench.faces.backends import plugin_backends

    cls = plugin_backends().get(backend)
    return tuple(tuple(w) for w in cls.weight_files()) if cls is not None else ()


def face_facts(track: FaceTrack, requested: str, reason: str | None = None) -> dict[str, Any]:
    """What a per-clip result records about the faces it used: backend, version, weights."""
    return {
        "backend": track.backend, "version": track.version, "requested": requested,
        "box_style": track.meta.get("box_style"), "reason": reason or track.meta.get("backend_reason"),
        "weights": [{"name": n, "path": p, "sha256": h} for n, p, h in _backend_weights(track.backend)],
        "labelled": requested not in PROTOCOL_BACKENDS,
    }


def summarise_faces(per_clip: list[dict]) -> dict[str, Any] | None:
    """The record's view: each backend+version used and on how many clips (None: no faces)."""
    seen: dict[str, dict[str, Any]] = {}
    for r in per_clip:
        f = r.get("faces")
        if not isinstance(f, dict):
            continue
        key = f"{f.get('backend')} {f.get('version')}"
        item = seen.setdefault(key, {"backend": f.get("backend"), "version": f.get("version"),
                                     "weights": f.get("weights"), "n_clips": 0})
        item["n_clips"] += 1
    return {"backends": list(seen.values())} if seen else None
