"""Which pixels FID sees: the face box or the full frame, brought to Inception's 299×299.

``resize="pytorch-fid"``: each crop as a [0, 1] tensor, bilinearly resized to 299 inside the
network (pytorch-fid's ``resize_input``, torch ``F.interpolate``, ``align_corners=False``).
``resize="clean"``: clean-fid's "clean" resize: PIL bicubic on each channel in float32
(``mode='F'``), clipped to [0, 255], no quantisation (clean-fid 0.1.35 ``make_resizer("PIL",
False, "bicubic", (299, 299))``); the network then sees 299×299 as is.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from talkbench import ClipFailure, Clip

from talkbench_distribution.inception import FID_SIZE

def clean_resize(image: np.ndarray, size: int = FID_SIZE) -> np.ndarray:
    """H×W×3 uint8 → size×size×3 float32 in [0, 255], as clean-fid's clean mode."""
    out = []
    for c in range(image.shape[2]):
        im = Image.fromarray(image[:, :, c].astype(np.float32), mode="F")
        im = im.resize((size, size), resample=Image.BICUBIC)
        out.append(np.asarray(im).clip(0, 255))
    return np.stack(out, axis=2).astype(np.float32)


def _crop(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    x1, y1, x2, y2 = (int(round(float(v))) for v in box)
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(w, max(x2, x1 + 1)), min(h, max(y2, y1 + 1))
    return frame[y1:y2, x1:x2]


def face_boxes(reference: Clip, backend: str) -> np.ndarray:
    from talkbench.faces import track_faces  # only for crop=face

    return np.asarray(track_faces(reference, backend=backend).boxes, dtype=np.float64)


def paired_crops(generated: Clip, reference: Clip | None, crop: str, backend: str,
                 stride: int = 1) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Generated and ground-truth regions of the same frames (the GT face box cuts both)."""
    if reference is None:
        raise ClipFailure(f"clip {generated.id}: FID needs the ground-truth video as reference set")
    gen, ref = generated.frames, reference.frames
    n = min(len(gen), len(ref))
    if n == 0:
        raise ClipFailure(f"clip {generated.id}: no frames")
    idx = np.arange(0, n, stride)
    if crop == "full":
        return [gen[i] for i in idx], [ref[i] for i in idx]
    boxes = face_boxes(reference, backend)
    if gen.shape[1:3] != ref.shape[1:3]:
        raise ClipFailure(f"clip {generated.id}: generated frames {gen.shape[2]}×{gen.shape[1]} "
                          f"but reference {ref.shape[2]}×{ref.shape[1]}; crop=face needs one grid")
    return [_crop(gen[i], boxes[i]) for i in idx], [_crop(ref[i], boxes[i]) for i in idx]


def to_network_input(images: list[np.ndarray], resize: str) -> torch.Tensor:
    """N×3×299×299 float32 in [0, 1] for ``FIDFeatures(..., resize=False)``."""
    if resize == "clean":
        arr = np.stack([clean_resize(im) for im in images]) / 255.0
        return torch.from_numpy(arr.astype(np.float32)).permute(0, 3, 1, 2)
    out = []
    for im in images:  # crops differ in size: resize one by one, exactly as the network would
        t = torch.from_numpy(np.ascontiguousarray(im)).permute(2, 0, 1)[None].float() / 255.0
        out.append(F.interpolate(t, size=(FID_SIZE, FID_SIZE), mode="bilinear", align_corners=False))
    return torch.cat(out)
