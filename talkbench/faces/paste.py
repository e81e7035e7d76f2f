"""Paste generated face crops back into full frames with a soft (feathered) edge."""

from __future__ import annotations

import cv2
import numpy as np

from talkbench.faces.geometry import as_batch, check_boxes, int_box, resize


def feather_mask(h: int, w: int, feather: float) -> np.ndarray:
    """h×w float32 alpha: 1 inside, falling linearly to 0 over ``feather`` towards each edge.

    ``feather`` < 1 is a fraction of the smaller side, ≥ 1 a width in pixels; 0 = hard edge.
    """
    px = feather * min(h, w) if feather < 1 else feather
    if px <= 0:
        return np.ones((h, w), dtype=np.float32)
    ys = np.minimum(np.arange(h) + 0.5, h - np.arange(h) - 0.5)
    xs = np.minimum(np.arange(w) + 0.5, w - np.arange(w) - 0.5)
    ay = np.clip(ys / px, 0, 1)
    ax = np.clip(xs / px, 0, 1)
    return np.minimum(ay[:, None], ax[None, :]).astype(np.float32)


def paste_back(
    frames: np.ndarray,
    crops: np.ndarray,
    crop_boxes: np.ndarray,
    feather: float = 0.08,
    *,
    region: np.ndarray | None = None,
    interpolation: int = cv2.INTER_CUBIC,
) -> np.ndarray:
    """Frames with each crop resized back into its box and alpha-blended.

    ``crop_boxes`` are the boxes the crops were cut from (as returned by ``syncdiff_crop``,
    ``syncnet_crops`` or given to ``crop_resize``); parts of a box outside the frame are dropped.
    ``feather`` softens the seam (fraction of the box side, or pixels if ≥ 1). ``region``
    (crop-sized h×w or T×h×w, values in [0, 1]) limits the paste to part of the crop, e.g.
    ``lip_mask(...)`` to replace only the mouth area; it is feathered too.
    Crops are enlarged with bicubic interpolation by default (sharper than bilinear: pasting an
    unmodified 256² crop of a 512² frame back changes it by 0.6 instead of 0.84 grey levels);
    pass ``interpolation=cv2.INTER_LINEAR`` for Wav2Lip's own paste.
    Returns new uint8 frames; the inputs are not changed.
    """
    batch, single = as_batch(frames)
    cbatch, _ = as_batch(crops)
    if len(cbatch) != len(batch):
        raise ValueError(f"got {len(cbatch)} crops for {len(batch)} frames")
    boxes = check_boxes(crop_boxes, len(batch))
    out = batch.copy()
    h_img, w_img = batch.shape[1:3]
    if region is not None:
        region = np.asarray(region, dtype=np.float32)
    for t, (crop, box) in enumerate(zip(cbatch, boxes)):
        x1, y1, x2, y2 = int_box(box)
        bw, bh = x2 - x1, y2 - y1
        patch = resize(crop, (bw, bh), interpolation).astype(np.float32)
        alpha = feather_mask(bh, bw, feather)
        if region is not None:
            reg = region[t] if region.ndim == 3 else region
            reg = cv2.resize(reg.astype(np.float32), (bw, bh), interpolation=cv2.INTER_LINEAR)
            soft = int(round((feather * min(bh, bw)) if feather < 1 else feather))
            if soft > 0:  # feather the region's edge too
                reg = cv2.blur(reg, (2 * soft + 1, 2 * soft + 1))
            alpha = alpha * np.clip(reg, 0, 1)
        # the part of the box that lies inside the frame
        fx1, fy1, fx2, fy2 = max(0, x1), max(0, y1), min(w_img, x2), min(h_img, y2)
        if fx1 >= fx2 or fy1 >= fy2:
            continue
        sl = (slice(fy1 - y1, fy2 - y1), slice(fx1 - x1, fx2 - x1))
        a = alpha[sl][..., None]
        base = out[t, fy1:fy2, fx1:fx2].astype(np.float32)
        out[t, fy1:fy2, fx1:fx2] = np.clip(np.rint(a * patch[sl] + (1 - a) * base), 0, 255).astype(np.uint8)
    return out[0] if single else out
