"""Landmark backends behind one interface: ``detect(frame) -> [(box, landmarks, score), ...]``.

``dlib`` (HOG detector + the 68-point predictor from face-recognition-models, fully offline) and
``fan`` (face-alignment's S3FD + 2D-FAN-4, the paper's choice; needs its two weight files).
Both detect on a downscaled copy of the frame (``detect_max_side``) because detection is the
slow part on CPUs, then fit the landmarks at full resolution in the rescaled box. Plugins add
backends through the ``register_face_backends`` hook (e.g. talkbench_s3fd's reference S3FD
set-ups); ``make_backend`` finds them by name.
"""

from __future__ import annotations

from talkbench.faces.backends.base import Detection, LandmarkBackend

BACKENDS = ("dlib", "fan")


def plugin_backends() -> dict[str, type[LandmarkBackend]]:
    """Backends registered by plugins, by name."""
    from talkbench.plugins import get_face_backends

    return get_face_backends()


def make_backend(name: str, *, device: str = "cpu", detect_max_side: int = 360,
                 **options) -> LandmarkBackend:
    """Instantiate a backend by name (raises WeightsMissingError for fan without weights).

    ``options`` go to a plugin backend's constructor (its own parameters)."""
    if name == "dlib":
        from talkbench.faces.backends.dlib_backend import DlibBackend

        return DlibBackend(detect_max_side=detect_max_side)
    if name == "fan":
        from talkbench.faces.backends.fan_backend import FanBackend

        return FanBackend(device=device, detect_max_side=detect_max_side)
    registered = plugin_backends()
    if name in registered:
        return registered[name](device=device, detect_max_side=detect_max_side, **options)
    known = ", ".join((*BACKENDS, *sorted(registered)))
    raise ValueError(f"unknown face backend {name!r}; use one of auto, given, {known}")


__all__ = ["BACKENDS", "Detection", "LandmarkBackend", "make_backend", "plugin_backends"]
