"""The shared face pipeline: tracking (dlib / face-alignment / given), crops, masks, paste-back.

Typical use in a plugin::

    from talkbench.faces import track_faces, wav2lip_boxes, crop_resize, mask_lower_half, paste_back

    track = track_faces(clip)                      # cached; FaceTrack(boxes, landmarks, found)
    boxes = wav2lip_boxes(track.boxes, (0, 10, 0, 0), clip.frames.shape)
    faces = crop_resize(clip.frames, boxes, 96)     # T×96×96×3 uint8
    masked = mask_lower_half(faces)
    frames = paste_back(clip.frames, generated_faces, boxes, feather=0.08)

Coordinates: full-frame pixels, boxes (x1, y1, x2, y2) with x2/y2 exclusive, landmarks (x, y)
in iBUG-68 order; see ``talkbench.faces.track``.
"""

from talkbench.faces.crops import (
    SYNCNET_PAD_VALUE,
    apply_mask,
    crop_resize,
    difftalk_mask,
    lip_mask,
    mask_lower_half,
    mouth_rois,
    syncdiff_boxes,
    syncdiff_crop,
    syncnet_boxes,
    syncnet_crops,
    wav2lip_boxes,
)
from talkbench.faces.geometry import from_crop_coords, to_crop_coords
from talkbench.faces.paste import feather_mask, paste_back
from talkbench.faces.pipeline import BACKEND_CHOICES, choose_backend, track_faces
from talkbench.faces.provenance import PROTOCOL_BACKENDS, face_facts, metric_backend, summarise_faces
from talkbench.faces.track import FaceTrack
from talkbench.faces.tracking import NO_FACE_POLICIES, smooth_boxes
from talkbench.faces.backends import make_backend  # every face of a frame (SyncNet's wild tracks)

__all__ = [
    "BACKEND_CHOICES", "NO_FACE_POLICIES", "PROTOCOL_BACKENDS", "face_facts", "metric_backend",
    "summarise_faces", "SYNCNET_PAD_VALUE", "FaceTrack", "apply_mask",
    "choose_backend", "crop_resize", "difftalk_mask", "feather_mask", "from_crop_coords",
    "lip_mask", "mask_lower_half", "mouth_rois", "paste_back", "smooth_boxes", "syncdiff_boxes",
    "syncdiff_crop", "syncnet_boxes", "syncnet_crops", "to_crop_coords", "track_faces",
    "wav2lip_boxes",
    "make_backend",
]
