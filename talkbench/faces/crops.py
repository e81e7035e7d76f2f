"""Face crops and masks for each model family, as pure numpy functions.

All functions take RGB uint8 frames T×H×W×3 (a single H×W×3 frame also works) and boxes or
landmarks in full-frame pixels (conventions in ``face_track.py``); none of them changes its input.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.signal import medfilt

from talkbench.faces.geometry import (
    as_batch, check_boxes, crop_padded, int_box, resize, size_wh, temporal_mean, to_crop_coords,
)
from talkbench.faces.face_track import FaceTrack

#: syncnet_python pads frames with this grey level before cropping
SYNCNET_PAD_VALUE = 110


def _boxes_of(track_or_boxes: FaceTrack | np.ndarray) -> np.ndarray:
    return track_or_boxes.boxes if isinstance(track_or_boxes, FaceTrack) else np.asarray(track_or_boxes)


def _landmarks_of(track_or_landmarks: FaceTrack | np.ndarray) -> np.ndarray:
    if isinstance(track_or_landmarks, FaceTrack):
        return track_or_landmarks.landmarks
    return np.asarray(track_or_landmarks, dtype=np.float32).reshape(-1, 68, 2)


# ---- generic crop ----------------------------------------------------------------------------
def crop_resize(
    frames: np.ndarray,
    boxes: np.ndarray,
    size: int | tuple[int, int],
    *,
    pad: str | int = "edge",
    interpolation: int = cv2.INTER_LINEAR,
) -> np.ndarray:
    """Cut ``frames[t][y1:y2, x1:x2]`` (corners floored) and resize each to ``size`` (int or (w, h)).

    Boxes may leave the frame; outside pixels are padded (``pad="edge"`` or a grey level).
    Returns T×h×w×3 uint8 (or h×w×3 for a single frame). cv2's bilinear resize is the default
    because Wav2Lip, TalkLip and syncnet_python all use ``cv2.resize`` with its default.
    """
    batch, single = as_batch(frames)
    boxes = check_boxes(boxes, len(batch))
    wh = size_wh(size)
    out = np.stack([
        resize(crop_padded(f, int_box(b), pad), wh, interpolation) for f, b in zip(batch, boxes)
    ])
    return out[0] if single else out


# ---- Wav2Lip / TalkLip -----------------------------------------------------------------------
def wav2lip_boxes(
    boxes: np.ndarray,
    pads: tuple[int, int, int, int] = (0, 10, 0, 0),
    frame_shape: tuple[int, ...] | None = None,
    *,
    smooth_window: int = 0,
) -> np.ndarray:
    """Wav2Lip's face boxes: detector boxes grown by ``pads`` = (top, bottom, left, right) pixels
    and clipped to the frame (``frame_shape`` = (H, W, ...)), as Wav2Lip's ``face_detect``.

    Integer arithmetic as there: the detector's box is clipped at 0 and cast to int, and
    ``smooth_window`` > 0 applies Wav2Lip's ``get_smoothened_boxes`` (mean over the *next*
    ``smooth_window`` boxes, written in place into the int array, so each mean is truncated and
    the last windows see already smoothed boxes). 0 by default because ``track_faces`` smooths
    already; pass ``track_faces(clip, smooth=0)`` boxes and 5 to reproduce Wav2Lip.
    Returns T×4 float32 holding integers, ready for ``crop_resize(frames, boxes, 96)``.
    """
    if frame_shape is None:
        raise ValueError("wav2lip_boxes needs frame_shape=(H, W) to clip the padded boxes")
    h, w = int(frame_shape[0]), int(frame_shape[1])
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if not np.isfinite(b).all():
        raise ValueError("some boxes are NaN; select the frames with track.valid first")
    b = np.clip(b, 0, None).astype(np.int64)  # face_detection: map(int, np.clip(d, 0, None))
    top, bottom, left, right = (int(p) for p in pads)
    out = np.stack([
        np.maximum(0, b[:, 0] - left), np.maximum(0, b[:, 1] - top),
        np.minimum(w, b[:, 2] + right), np.minimum(h, b[:, 3] + bottom),
    ], axis=1)
    n = len(out)
    if 1 < smooth_window <= n:
        for i in range(n):
            window = out[n - smooth_window:] if i + smooth_window > n else out[i: i + smooth_window]
            out[i] = window.mean(axis=0)  # int array: truncated, as in Wav2Lip
    return out.astype(np.float32)


def mask_lower_half(crops: np.ndarray) -> np.ndarray:
    """A copy with rows ``H//2`` and below set to 0 (Wav2Lip/TalkLip's masked input)."""
    out = np.array(crops, copy=True)
    h = out.shape[-3]
    out[..., h // 2:, :, :] = 0
    return out


# ---- SyncNet (syncnet_python run_pipeline.crop_video) ----------------------------------------
def syncnet_boxes(boxes: np.ndarray, crop_scale: float = 0.4, kernel: int = 13) -> np.ndarray:
    """syncnet_python's crop geometry: half-size s = max(w, h)/2 and centre median-filtered over
    ``kernel`` frames (scipy medfilt, zero-padded at the ends, as the reference), then rows
    [cy − s, cy + s(1 + 2·cs)) and columns [cx − s(1 + cs), cx + s(1 + cs)). Returns T×4."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    s = np.maximum(b[:, 3] - b[:, 1], b[:, 2] - b[:, 0]) / 2
    cy = (b[:, 1] + b[:, 3]) / 2
    cx = (b[:, 0] + b[:, 2]) / 2
    k = min(kernel, len(b) if len(b) % 2 else len(b) - 1)  # medfilt needs an odd kernel ≤ T
    if k > 1:
        s, cx, cy = medfilt(s, k), medfilt(cx, k), medfilt(cy, k)
    cs = crop_scale
    return np.stack([cx - s * (1 + cs), cy - s, cx + s * (1 + cs), cy + s * (1 + 2 * cs)], axis=1)


def syncnet_crops(
    frames: np.ndarray, track: FaceTrack | np.ndarray, crop_scale: float = 0.4, size: int = 224,
    *, kernel: int = 13,
) -> tuple[np.ndarray, np.ndarray]:
    """224×224 SyncNet inputs exactly as syncnet_python cuts them (pad value 110, cv2 bilinear).

    Returns (crops T×size×size×3, crop_boxes T×4 — the integer boxes that were cut)."""
    batch, _ = as_batch(frames)
    boxes = check_boxes(_boxes_of(track), len(batch))
    cboxes = syncnet_boxes(boxes, crop_scale, kernel)
    ints = np.array([int_box(b) for b in cboxes], dtype=np.float32)
    crops = crop_resize(batch, ints, size, pad=SYNCNET_PAD_VALUE)
    return crops, ints


# ---- SyncDiff (256×256 face, lower half masked) ----------------------------------------------
def syncdiff_boxes(
    landmarks: np.ndarray, scale: float = 1.3, shift_up: float = 0.1, smooth: int = 5
) -> np.ndarray:
    """Square face boxes from 68 landmarks: centred on the landmarks' bounding box, moved up by
    ``shift_up`` × its height (to keep the forehead, which the landmarks do not reach), side =
    ``scale`` × its larger side; centre and side mean-smoothed over ``smooth`` frames so the
    256×256 crop does not jitter."""
    lm = np.asarray(landmarks, dtype=np.float64).reshape(-1, 68, 2)
    lo, hi = lm.min(axis=1), lm.max(axis=1)
    size = hi - lo
    cx = (lo[:, 0] + hi[:, 0]) / 2
    cy = (lo[:, 1] + hi[:, 1]) / 2 - shift_up * size[:, 1]
    side = scale * size.max(axis=1)
    cx, cy, side = (temporal_mean(v, smooth) for v in (cx, cy, side))
    return np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], axis=1)


def syncdiff_crop(
    frames: np.ndarray, track: FaceTrack | np.ndarray, size: int = 256, *,
    scale: float = 1.3, smooth: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """SyncDiff's face input: the face region (from the landmarks) resized to size×size.

    ``track`` is a FaceTrack or T×68×2 landmarks. Returns (crops T×size×size×3, crop_boxes T×4
    integer boxes actually cut, for ``paste_back`` and ``to_crop_coords``)."""
    batch, _ = as_batch(frames)
    lm = _landmarks_of(track)
    if len(lm) != len(batch):
        raise ValueError(f"got landmarks for {len(lm)} frames and {len(batch)} frames")
    if not np.isfinite(lm).all():
        raise ValueError("some landmarks are NaN; select the frames with track.valid first")
    cboxes = syncdiff_boxes(lm, scale=scale, smooth=smooth)
    ints = np.array([int_box(b) for b in cboxes], dtype=np.float32)
    # INTER_AREA: the face is usually larger than 256 and area averaging does not alias
    crops = crop_resize(batch, ints, size, pad="edge", interpolation=cv2.INTER_AREA)
    return crops, ints


def lip_mask(
    size: int | tuple[int, int] = 256, landmarks_in_crop: np.ndarray | None = None,
    mode: str = "lower_half",
) -> np.ndarray:
    """Boolean mask of the region to inpaint (True = masked) for crops of ``size``.

    ``mode="lower_half"`` (the paper: lower half of the face = lip region, as Wav2Lip/TalkLip):
    H×W, rows ≥ H//2. ``mode="below_nose"``: T×H×W, rows from the nose tip (landmark 33, given
    in crop coordinates) down, as DiffTalk."""
    w, h = size_wh(size)
    if mode == "lower_half":
        mask = np.zeros((h, w), dtype=bool)
        mask[h // 2:] = True
        return mask
    if mode == "below_nose":
        if landmarks_in_crop is None:
            raise ValueError("lip_mask(mode='below_nose') needs landmarks_in_crop")
        lm = np.asarray(landmarks_in_crop).reshape(-1, 68, 2)
        rows = np.clip(np.floor(lm[:, 33, 1]).astype(int), 0, h)
        return np.arange(h)[None, :, None] >= rows[:, None, None] + np.zeros((1, 1, w), dtype=int)
    raise ValueError(f"lip_mask: unknown mode {mode!r}; use 'lower_half' or 'below_nose'")


def apply_mask(crops: np.ndarray, mask: np.ndarray, fill: int = 0) -> np.ndarray:
    """A copy of ``crops`` with ``mask`` (H×W or T×H×W, True = masked) set to ``fill``."""
    out = np.array(crops, copy=True)
    out[np.broadcast_to(np.asarray(mask, bool), out.shape[:-1])] = fill
    return out


def difftalk_mask(crops: np.ndarray, landmarks_in_crop: np.ndarray) -> np.ndarray:
    """DiffTalk's masked input: rows from landmark 33 (nose tip) down set to 0 (uint8 copy)."""
    batch, single = as_batch(crops)
    mask = lip_mask((batch.shape[2], batch.shape[1]), landmarks_in_crop, mode="below_nose")
    if len(mask) != len(batch):
        raise ValueError(f"got landmarks for {len(mask)} crops and {len(batch)} crops")
    out = apply_mask(batch, mask).astype(np.uint8)
    return out[0] if single else out


# ---- lip reading -----------------------------------------------------------------------------
def mouth_rois(
    frames: np.ndarray, landmarks: FaceTrack | np.ndarray, size: int = 96, crop: int | None = 88,
    *, roi_scale: float = 0.75,
) -> np.ndarray:
    """Grey mouth regions for lip reading (AV-HuBERT / TalkLip style).

    Centre = mean of landmarks 48–67 per frame; side = ``roi_scale`` × the clip's median jaw
    width (landmarks 0–16), one size for the whole clip so the lip reader sees a steady scale
    (AV-HuBERT warps to a mean face and cuts 96×96 there; this approximates that scale without
    the warp). Resized to size×size, then the centre ``crop``×``crop`` (88, as at test time).
    Returns T×crop×crop uint8."""
    batch, single = as_batch(frames)
    lm = _landmarks_of(landmarks).astype(np.float64)
    if len(lm) != len(batch):
        raise ValueError(f"got landmarks for {len(lm)} frames and {len(batch)} frames")
    centre = lm[:, 48:68].mean(axis=1)
    jaw = np.linalg.norm(lm[:, 16] - lm[:, 0], axis=1)
    side = max(8.0, roi_scale * float(np.median(jaw)))
    boxes = np.concatenate([centre - side / 2, centre + side / 2], axis=1)
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in batch])[..., None]
    rois = crop_resize(grey, boxes, size, pad="edge", interpolation=cv2.INTER_AREA)[..., 0]
    if crop is not None and crop < size:
        o = (size - crop) // 2
        rois = rois[:, o:o + crop, o:o + crop]
    rois = np.ascontiguousarray(rois)
    return rois[0] if single else rois


__all__ = [
    "crop_resize", "wav2lip_boxes", "mask_lower_half", "syncnet_boxes", "syncnet_crops",
    "syncdiff_boxes", "syncdiff_crop", "lip_mask", "apply_mask", "difftalk_mask", "mouth_rois",
    "to_crop_coords",
]
