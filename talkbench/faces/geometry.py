"""Low-level box geometry shared by the crop functions: rounding, padded crops, coordinate maps.

Boxes are ``(x1, y1, x2, y2)`` in full-frame pixels, x2/y2 exclusive (see ``face_track.py``).
"""

from __future__ import annotations

import cv2
import numpy as np


def as_batch(frames: np.ndarray) -> tuple[np.ndarray, bool]:
    """(T×H×W×C or H×W×C) → (T×H×W×C, was_single)."""
    frames = np.asarray(frames)
    if frames.ndim == 3 and frames.shape[-1] in (1, 3, 4):
        return frames[None], True
    if frames.ndim != 4:
        raise ValueError(f"frames must be T×H×W×3 (or one H×W×3 frame), got shape {frames.shape}")
    return frames, False


def check_boxes(boxes: np.ndarray, n: int) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) != n:
        raise ValueError(f"got {len(boxes)} boxes for {n} frames; pass one box per frame")
    if not np.isfinite(boxes).all():
        raise ValueError(
            "some boxes are NaN (frames without a face under no_face='skip'); "
            "select the frames with track.valid first"
        )
    return boxes


def int_box(box: np.ndarray) -> tuple[int, int, int, int]:
    """Floor the corners (what ``int()`` does on the non-negative padded coordinates the
    reference repos slice with), keeping at least one pixel."""
    x1, y1, x2, y2 = (int(np.floor(v)) for v in box)
    return x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)


def crop_padded(frame: np.ndarray, box: tuple[int, int, int, int], pad: str | int = "edge") -> np.ndarray:
    """``frame[y1:y2, x1:x2]`` where the box may leave the frame: outside pixels are the
    nearest edge pixel (``pad="edge"``) or a constant grey level (``pad=110``, syncnet_python)."""
    h, w = frame.shape[:2]
    x1, y1, x2, y2 = box
    top, left = max(0, -y1), max(0, -x1)
    bottom, right = max(0, y2 - h), max(0, x2 - w)
    inner = frame[max(0, y1):min(h, y2), max(0, x1):min(w, x2)]
    if not (top or left or bottom or right):
        return inner
    if inner.size == 0:  # the box lies entirely outside the frame
        fill = 0 if pad == "edge" else int(pad)
        return np.full((y2 - y1, x2 - x1) + frame.shape[2:], fill, dtype=frame.dtype)
    widths = ((top, bottom), (left, right)) + ((0, 0),) * (frame.ndim - 2)
    if pad == "edge":
        return np.pad(inner, widths, mode="edge")
    return np.pad(inner, widths, mode="constant", constant_values=int(pad))


def size_wh(size: int | tuple[int, int]) -> tuple[int, int]:
    """``size`` as (width, height): an int means a square."""
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    w, h = size
    return int(w), int(h)


def resize(img: np.ndarray, wh: tuple[int, int], interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """cv2.resize that keeps a trailing channel axis of 1 and skips no-op resizes."""
    if img.shape[1] == wh[0] and img.shape[0] == wh[1]:
        return img.copy()
    out = cv2.resize(img, wh, interpolation=interpolation)
    if img.ndim == 3 and out.ndim == 2:
        out = out[..., None]
    return out


def to_crop_coords(points: np.ndarray, crop_boxes: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Map full-frame points (T×K×2) into the coordinates of crops of ``size`` cut at ``crop_boxes``."""
    w, h = size_wh(size)
    boxes = np.asarray(crop_boxes, dtype=np.float64).reshape(-1, 1, 4)
    pts = np.asarray(points, dtype=np.float64)
    sx = w / (boxes[..., 2] - boxes[..., 0])
    sy = h / (boxes[..., 3] - boxes[..., 1])
    out = np.empty_like(pts)
    out[..., 0] = (pts[..., 0] - boxes[..., 0]) * sx
    out[..., 1] = (pts[..., 1] - boxes[..., 1]) * sy
    return out.astype(np.float32)


def from_crop_coords(points: np.ndarray, crop_boxes: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Inverse of ``to_crop_coords``."""
    w, h = size_wh(size)
    boxes = np.asarray(crop_boxes, dtype=np.float64).reshape(-1, 1, 4)
    pts = np.asarray(points, dtype=np.float64)
    out = np.empty_like(pts)
    out[..., 0] = pts[..., 0] * (boxes[..., 2] - boxes[..., 0]) / w + boxes[..., 0]
    out[..., 1] = pts[..., 1] * (boxes[..., 3] - boxes[..., 1]) / h + boxes[..., 1]
    return out.astype(np.float32)


def temporal_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving mean over axis 0 with the window shrunk at the clip ends."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) < 2:
        return values.copy()
    half = window // 2
    out = np.empty_like(values)
    for t in range(len(values)):
        out[t] = values[max(0, t - half): t + half + 1].mean(axis=0)
    return out
