"""Face boxes, 96×96 crops, the lower-half mask and paste-back, as Wav2Lip's inference.py.

The model sees BGR crops (the reference reads frames with OpenCV), so the RGB↔BGR swap happens
here, at the boundary, and nowhere else.
"""

from __future__ import annotations

import numpy as np

# cv2 is imported inside the two resize helpers: the generator class (and `talkbench models`)
# import this module for parse_pads without paying OpenCV's start-up.

IMG_SIZE = 96
#: (top, bottom, left, right) pixels added around the detector box; the official default
DEFAULT_PADS = (0, 10, 0, 0)
#: frames averaged by the official box smoothing (get_smoothened_boxes, T=5)
SMOOTH_WINDOW = 5


def parse_pads(text: str) -> tuple[int, int, int, int]:
    """"0,10,0,0" → (0, 10, 0, 0) (top, bottom, left, right)."""
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    if len(parts) != 4:
        raise ValueError(f"pads={text!r} must be four integers top,bottom,left,right (e.g. 0,10,0,0)")
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def pad_boxes(boxes: np.ndarray, pads, height: int, width: int) -> np.ndarray:
    """Grow x1,y1,x2,y2 boxes by ``pads`` and clip them to the frame (integers, as the reference)."""
    top, bottom, left, right = pads
    b = np.asarray(boxes, dtype=np.float64)
    out = np.stack([
        np.maximum(0, b[:, 0] - left), np.maximum(0, b[:, 1] - top),
        np.minimum(width, b[:, 2] + right), np.minimum(height, b[:, 3] + bottom),
    ], axis=1)
    return out.astype(np.int64)


def smooth_boxes(boxes: np.ndarray, window: int = SMOOTH_WINDOW) -> np.ndarray:
    """Moving average over ``window`` frames, done in place on integers exactly as the reference.

    Frame i averages boxes i..i+window-1; the last frames reuse the final window, which by then
    already holds smoothed (truncated) values. Reproducing that order keeps the crops identical.
    """
    b = np.array(boxes, dtype=np.int64)
    n = len(b)
    for i in range(n):
        win = b[i : i + window] if i + window <= n else b[max(0, n - window) :]
        b[i] = np.mean(win, axis=0)  # assignment into int64 truncates, as in the reference
    return b


def crop_faces(frames_bgr: np.ndarray, boxes: np.ndarray, size: int = IMG_SIZE) -> np.ndarray:
    """(T, size, size, 3) uint8 crops: frame[y1:y2, x1:x2] resized with cv2 INTER_LINEAR."""
    import cv2

    crops = []
    for img, (x1, y1, x2, y2) in zip(frames_bgr, boxes):
        face = img[y1:y2, x1:x2]
        if face.size == 0:
            raise ValueError(f"empty face box {(x1, y1, x2, y2)} in a {img.shape[1]}x{img.shape[0]} frame")
        crops.append(cv2.resize(face, (size, size), interpolation=cv2.INTER_LINEAR))
    return np.stack(crops)


def face_input(crops: np.ndarray, references: np.ndarray) -> np.ndarray:
    """(N, 6, H, W) float32 in [0, 1]: [target with rows H/2.. zeroed, reference], NHWC → NCHW.

    The array is a transposed view (channels-last strides), as ``torch.FloatTensor(np.transpose(...))``
    in the reference (contiguous NCHW moves the reference output by up to 3e-7).
    """
    masked = crops.copy()
    masked[:, crops.shape[1] // 2 :] = 0
    stacked = np.concatenate((masked, references), axis=3).astype(np.float32) / np.float32(255.0)
    return np.transpose(stacked, (0, 3, 1, 2))


def paste_back(frames: np.ndarray, faces: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Resize each generated face (T, s, s, 3) to its box and write it into a copy of ``frames``.

    uint8 faces (Wav2Lip) are resized as uint8; float faces in 0..255 (TalkLip) are resized in
    float and truncated by the uint8 assignment, as each reference does.
    """
    import cv2

    out = frames.copy()
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        out[i, y1:y2, x1:x2] = cv2.resize(faces[i], (int(x2 - x1), int(y2 - y1)), interpolation=cv2.INTER_LINEAR)
    return out


def to_uint8(pred: np.ndarray) -> np.ndarray:
    """Model output (N, 3, H, W) in (0, 1) → (N, H, W, 3) uint8, truncating as ``astype(np.uint8)``."""
    return (np.transpose(pred, (0, 2, 3, 1)) * 255.0).astype(np.uint8)
