"""Per-frame face boxes for a clip: given geometry (demo clips) or talkbench's face tracker."""

from __future__ import annotations

import numpy as np

from talkbench import Clip, ClipFailure

from .crop import pad_boxes, smooth_boxes


def raw_boxes(clip: Clip, device: str = "cpu") -> np.ndarray:
    """(T, 4) x1,y1,x2,y2 detector-style boxes: ``clip.meta["boxes"]`` if present, else tracked."""
    given = clip.meta.get("boxes")
    if given is not None:
        boxes = np.asarray(given, dtype=np.float64).reshape(-1, 4)
    else:
        try:
            from talkbench.faces import track_faces  # core face pipeline (lazy: dlib/FAN are heavy)
        except ImportError as exc:
            raise ClipFailure(f"{clip.id}: no face boxes in the clip and talkbench.faces is unavailable ({exc})") from None
        # unsmoothed detections: Wav2Lip's own 5-frame mean is applied afterwards, as face_detect
        boxes = np.asarray(track_faces(clip, smooth=0, device=device).boxes, dtype=np.float64)
    if len(boxes) != clip.num_frames:
        raise ClipFailure(f"{clip.id}: {len(boxes)} face boxes for {clip.num_frames} frames")
    if not np.isfinite(boxes).all():
        raise ClipFailure(f"{clip.id}: no face found in {int((~np.isfinite(boxes).all(axis=1)).sum())} frames")
    return boxes


def face_boxes(clip: Clip, pads, *, smooth: bool = True, device: str = "cpu") -> np.ndarray:
    """Integer crop boxes as Wav2Lip's face_detect: pad and clip to the frame, then smooth."""
    h, w = clip.frames.shape[1:3]
    boxes = pad_boxes(np.floor(raw_boxes(clip, device)), pads, h, w)
    boxes = smooth_boxes(boxes) if smooth else boxes
    if ((boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])).any():
        raise ClipFailure(f"{clip.id}: empty face box after padding (check pads and the face track)")
    return boxes
