"""TalkLip's paste-back: each face resized to its box as ``emb_roi2im`` does it.

TalkLip (utils/data_avhubert.py) resizes ``pred * 255`` with torchvision's ``transforms.Resize``
on the float tensor: bilinear, half-pixel centres, **antialiased** (torchvision's default). cv2's
INTER_LINEAR (Wav2Lip's paste) does not antialias, so wherever a box is smaller than 96 px the two
differ by up to ~13 grey levels (the golden fixture's downscaled frames); upscaled they agree to
float rounding. The float result is written into the float frame and truncated to uint8 later.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def paste_back_antialiased(frames_bgr: np.ndarray, faces: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``faces`` (T, s, s, 3) float in 0..255 → a copy of ``frames_bgr`` (uint8) with each pasted."""
    out = frames_bgr.copy()
    height, width = frames_bgr.shape[1:3]
    for i, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, dtype=np.int64)):
        x2, y2 = min(int(x2), width), min(int(y2), height)  # as emb_roi2im clamps the box
        face = torch.from_numpy(np.ascontiguousarray(faces[i], dtype=np.float32)).permute(2, 0, 1)[None]
        resized = F.interpolate(face, size=[y2 - y1, x2 - x1], mode="bilinear", align_corners=False, antialias=True)
        out[i, y1:y2, x1:x2] = resized[0].permute(1, 2, 0).numpy()  # float → uint8 truncates, as astype
    return out
