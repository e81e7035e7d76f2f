"""The shared face pipeline: tracking (dlib / face-alignment / given), crops, masks, paste-back.

Typical use in a plugin::

    from talkbench.faces import track_faces, wav2lip_boxes, crop_resize, mask_lower_half, paste_back

    track = track_faces(clip)                      # cached; FaceTrack(boxes, landmarks, found)
    boxes = wav2lip_boxes(track.boxes, (0, 10, 0, 0), clip.frames.shape)
    faces = crop_resize(clip.frames, boxes, 96)     # T×96×96×3 uint8
    masked = mask_lower_half(faces)
    frames = paste_back(clip.frames, generated_faces, boxes, feather=0.08)

Coordinates: full-frame pixels, boxes (x1, y1, x2, y2) with x2/y2 exclusive, landmarks (x, y)
in iBUG-68 order; see ``talkbench.faces.face_track``.
"""

import importlib
from typing import Any

# Public names -> the submodule that holds them, loaded on first use (PEP 562): the crops, masks
# and paste-back pull cv2 and scipy.signal, and `talkbench --help` imports this package only for
# a few option constants (``talkbench.faces.pipeline``), so it must not pay for them.
_LAZY = {
    "Detection": "backends.base", "LandmarkBackend": "backends.base",
    **{n: "crops" for n in ("SYNCNET_PAD_VALUE", "apply_mask", "crop_resize", "difftalk_mask",
                            "lip_mask", "mask_lower_half", "mouth_rois", "syncdiff_boxes",
                            "syncdiff_crop", "syncnet_boxes", "syncnet_crops", "wav2lip_boxes")},
    "from_crop_coords": "geometry", "to_crop_coords": "geometry",
    "make_backend": "backends",
    "feather_mask": "paste", "paste_back": "paste",
    "BACKEND_CHOICES": "pipeline", "choose_backend": "pipeline", "track_faces": "pipeline",
    "PROTOCOL_BACKENDS": "provenance", "face_facts": "provenance", "metric_backend": "provenance",
    "summarise_faces": "provenance",
    "FaceTrack": "face_track",
    "NO_FACE_POLICIES": "track_cleanup", "smooth_boxes": "track_cleanup",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"talkbench.faces.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'talkbench.faces' has no attribute {name!r}")


__all__ = [
    "Detection", "LandmarkBackend", "make_backend",
    "BACKEND_CHOICES", "NO_FACE_POLICIES", "PROTOCOL_BACKENDS", "face_facts", "metric_backend",
    "summarise_faces", "SYNCNET_PAD_VALUE", "FaceTrack", "apply_mask",
    "choose_backend", "crop_resize", "difftalk_mask", "feather_mask", "from_crop_coords",
    "lip_mask", "mask_lower_half", "mouth_rois", "paste_back", "smooth_boxes", "syncdiff_boxes",
    "syncdiff_crop", "syncnet_boxes", "syncnet_crops", "to_crop_coords", "track_faces",
    "wav2lip_boxes",
    "make_backend",
]
