"""DiffTalk's per-frame inputs from a clip: face crops, masked crops, landmarks, latent mask.

Geometry comes from ``talkbench.faces`` (demo clips carry exact landmarks, used as given).
DiffTalk's HDTF frames are square face crops; the 68 landmarks are mapped into the crop.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# DiffTalk's LdmNet sees landmarks 0-3 and 13-47: the upper face, none of the mouth.
LDM_POINTS = np.r_[0:4, 13:48]


@dataclass
class FaceInputs:
    crops: np.ndarray          # T×S×S×3 uint8 target faces
    masked: np.ndarray         # T×S×S×3 uint8, rows from the nose tip down zeroed
    landmarks: np.ndarray      # T×39×2 float32 crop pixels (LdmNet input)
    keep_mask: np.ndarray      # T×1×s×s float32 latent mask, 1 = keep the source, 0 = generate
    boxes: np.ndarray          # T×4 crop boxes for paste-back
    landmarks68: np.ndarray    # T×68×2 crop pixels


def inference_mask(landmarks68: np.ndarray, size: int, latent: int) -> np.ndarray:
    """DiffTalk's mouth polygon (jaw points 2-14 + nose tip 33) filled with 0 at crop size,
    bicubic-resized to the latent grid; 1 elsewhere (T×1×latent×latent)."""
    from PIL import Image

    out = []
    for lm in landmarks68:
        mask = np.ones((size, size), dtype=np.uint8)
        pts = np.concatenate([lm[2:15], lm[33:34]]).astype(np.int32)
        cv2.fillPoly(mask, [pts], 0)
        small = Image.fromarray(mask).resize((latent, latent), resample=Image.BICUBIC)
        out.append(np.asarray(small, dtype=np.float32))
    return np.stack(out)[:, None]


def face_inputs(clip, size: int, latent: int, backend: str = "auto") -> FaceInputs:
    from talkbench.faces import difftalk_mask, syncdiff_crop, to_crop_coords, track_faces

    track = track_faces(clip, backend=backend)
    crops, boxes = syncdiff_crop(clip.frames, track, size)
    lm68 = to_crop_coords(track.landmarks, boxes, size).astype(np.float32)
    return FaceInputs(
        crops=crops, masked=difftalk_mask(crops, lm68), landmarks=lm68[:, LDM_POINTS],
        keep_mask=inference_mask(lm68, size, latent), boxes=boxes, landmarks68=lm68,
    )


def to_model_images(u8: np.ndarray):
    """uint8 T×H×W×3 -> float32 torch T×3×H×W in [-1, 1] (x/127.5 - 1, as DiffTalk)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(u8)).float().div(127.5).sub(1.0).permute(0, 3, 1, 2).contiguous()


def to_uint8(images) -> np.ndarray:
    """Decoder output in [-1, 1] (T×3×H×W) -> uint8 T×H×W×3 as DiffTalk saves it."""
    x = ((images.clamp(-1, 1) + 1.0) / 2.0 * 255.0).permute(0, 2, 3, 1).cpu().numpy()
    return x.astype(np.uint8)
