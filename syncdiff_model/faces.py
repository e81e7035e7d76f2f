"""Face crops for SyncDiff: square face crops and paste-back.

Coordinates: boxes are x1, y1, x2, y2 in pixels of the full frame (x2/y2 exclusive). The crop
is a square of the clip's median face size hanging from the (smoothed) top of the face box,
shifted to stay inside the frame, resized to ``size`` (see ``square_boxes`` for why). The lip
region is the lower half of that crop (``talkbench.faces.mask_lower_half``, as Wav2Lip/TalkLip
and the paper). Demo clips carry exact boxes in ``clip.meta["boxes"]``; other clips go through
``talkbench.faces.track_faces``.
"""

from __future__ import annotations

import cv2
import numpy as np

from talkbench import Clip, ClipFailure
from talkbench.faces import smooth_boxes

SMOOTH_FRAMES = 5


def face_boxes(clip: Clip) -> np.ndarray:
    """(T, 4) float boxes: the clip's own geometry when it has it, else the face tracker's."""
    boxes = clip.meta.get("boxes")
    if boxes is None:
        from talkbench.faces import track_faces  # the core face pipeline (detects + tracks)

        boxes = track_faces(clip).boxes
    boxes = np.asarray(boxes, dtype=np.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(boxes) < clip.num_frames:
        raise ClipFailure(f"clip {clip.id}: face boxes of shape {boxes.shape} do not cover its {clip.num_frames} frames")
    return boxes[: clip.num_frames]


def square_boxes(boxes: np.ndarray, height: int, width: int, smooth: int = SMOOTH_FRAMES) -> np.ndarray:
    """(T, 4) int squares: side = the clip's median max(w, h), top edge and horizontal centre
    from the box (moving average over ``smooth`` frames), kept inside the frame.

    Why not each frame's own box: speech moves the chin, so a box that ends at the jaw grows
    and slides as the mouth opens. A crop that follows it shows the mouth opening in the
    *upper* half (the eyes move and scale), i.e. in the masked prior, and the model learns to
    read the lips from there instead of from the audio. The forehead edge and the width do not
    move with speech; a short clip does not change its head size.
    """
    side = float(np.median(np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])))
    side = int(np.clip(round(side), 8, min(height, width)))
    smoothed = smooth_boxes(boxes, window=smooth, method="mean")  # as Wav2Lip smooths its boxes
    cx = (smoothed[:, 0] + smoothed[:, 2]) / 2
    top = smoothed[:, 1]
    x1 = np.clip(np.round(cx - side / 2).astype(np.int64), 0, width - side)
    y1 = np.clip(np.round(top).astype(np.int64), 0, height - side)
    return np.stack([x1, y1, x1 + side, y1 + side], axis=1)


def crop_faces(frames: np.ndarray, squares: np.ndarray, size: int) -> np.ndarray:
    """(T, H, W, 3) uint8 frames → (T, size, size, 3) uint8 crops."""
    out = np.empty((len(frames), size, size, 3), dtype=np.uint8)
    for i, (frame, (x1, y1, x2, y2)) in enumerate(zip(frames, squares)):
        patch = frame[y1:y2, x1:x2]
        interp = cv2.INTER_AREA if patch.shape[0] > size else cv2.INTER_LINEAR
        out[i] = cv2.resize(patch, (size, size), interpolation=interp)
    return out


def paste_back(frames: np.ndarray, crops: np.ndarray, squares: np.ndarray, feather: int = 2) -> np.ndarray:
    """Generated crops resized into their squares, with a soft ``feather``-pixel edge."""
    out = frames.copy()
    for i, (crop, (x1, y1, x2, y2)) in enumerate(zip(crops, squares)):
        side = int(x2 - x1)
        patch = cv2.resize(crop, (side, side), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        ramp = np.minimum(np.arange(side) + 1, np.arange(side)[::-1] + 1) / max(feather, 1)
        ramp = np.clip(ramp, 0.0, 1.0)
        alpha = np.minimum(ramp[:, None], ramp[None, :])[..., None]
        region = out[i, y1:y2, x1:x2].astype(np.float32)
        out[i, y1:y2, x1:x2] = np.round(alpha * patch + (1 - alpha) * region).clip(0, 255).astype(np.uint8)
    return out


def to_tensor_images(crops: np.ndarray):
    """uint8 (N, S, S, 3) → float tensor (N, 3, S, S) in [-1, 1]."""
    import torch

    return torch.from_numpy(crops).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def to_uint8_images(images) -> np.ndarray:
    """float tensor (N, 3, S, S) in [-1, 1] → uint8 (N, S, S, 3)."""
    arr = ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round()
    return arr.permute(0, 2, 3, 1).to("cpu").numpy().astype(np.uint8)
