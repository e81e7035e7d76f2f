"""From per-frame detections to a clean track: choose one face, fill gaps, smooth the boxes.

Raw detections hold NaN where no face was found. The steps, in order (``build_track``):
1. linear interpolation over interior gaps of at most ``max_gap`` frames (boxes and landmarks);
2. the ``no_face`` policy for what is still missing: ``previous`` (last seen face, the first
   one for leading frames), ``center`` (a face of the clip's median size in the frame centre),
   ``skip`` (left NaN; ``FaceTrack.valid`` tells callers which frames to use);
3. box smoothing over time (centred median or mean window). Landmarks are not smoothed: the
   mouth motion is the signal that lip-sync models and metrics need.
"""

from __future__ import annotations

import numpy as np

from talkbench.errors import ClipFailure

NO_FACE_POLICIES = ("skip", "previous", "center")
SMOOTH_METHODS = ("median", "mean")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def pick_face(candidates: list[tuple[np.ndarray, np.ndarray, float]], previous: np.ndarray | None):
    """The candidate to follow: the largest face first, then the one overlapping the last box
    most (so a second person passing by does not steal the track)."""
    if not candidates:
        return None
    if previous is None:
        return max(candidates, key=lambda c: (c[0][2] - c[0][0]) * (c[0][3] - c[0][1]))
    return max(candidates, key=lambda c: (iou(c[0], previous), c[2]))


def interpolate_gaps(values: np.ndarray, found: np.ndarray, max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation of interior runs of missing frames no longer than ``max_gap``.

    ``values`` T×... with NaN where missing. Returns (values, filled mask)."""
    out = np.array(values, dtype=np.float64, copy=True)
    filled = np.zeros(len(out), dtype=bool)
    idx = np.flatnonzero(found)
    if len(idx) < 2 or max_gap <= 0:
        return out, filled
    for a, b in zip(idx[:-1], idx[1:]):
        gap = b - a - 1
        if 0 < gap <= max_gap:
            w = (np.arange(1, gap + 1) / (gap + 1)).reshape((-1,) + (1,) * (out.ndim - 1))
            out[a + 1:b] = (1 - w) * out[a] + w * out[b]
            filled[a + 1:b] = True
    return out, filled


def fill_missing(
    boxes: np.ndarray, landmarks: np.ndarray, have: np.ndarray, policy: str,
    frame_shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the ``no_face`` policy to frames where ``have`` is False."""
    if policy not in NO_FACE_POLICIES:
        raise ValueError(f"no_face={policy!r}: use one of {', '.join(NO_FACE_POLICIES)}")
    boxes, landmarks = boxes.copy(), landmarks.copy()
    if policy == "skip" or have.all():
        return boxes, landmarks
    idx = np.flatnonzero(have)
    if policy == "previous":
        # index of the last frame with a face at or before t; leading frames take the first one
        src = np.maximum.accumulate(np.where(have, np.arange(len(have)), -1))
        src[src < 0] = idx[0]
        return boxes[src], landmarks[src]
    # center: the clip's typical face (median box size and landmark layout) in the frame centre
    h, w = frame_shape
    size = np.median(boxes[idx, 2:] - boxes[idx, :2], axis=0)
    centre_box = np.array([w / 2 - size[0] / 2, h / 2 - size[1] / 2, w / 2 + size[0] / 2, h / 2 + size[1] / 2])
    rel = np.median(landmarks[idx] - boxes[idx, None, :2], axis=0)
    miss = ~have
    boxes[miss] = centre_box
    landmarks[miss] = rel + centre_box[:2]
    return boxes, landmarks


def smooth_boxes(boxes: np.ndarray, window: int = 5, method: str = "median") -> np.ndarray:
    """Centred temporal median/mean of each box coordinate over ``window`` frames (shrunk at the
    ends); NaN frames (skipped) are ignored and stay NaN."""
    if method not in SMOOTH_METHODS:
        raise ValueError(f"smooth method {method!r}: use one of {', '.join(SMOOTH_METHODS)}")
    boxes = np.asarray(boxes, dtype=np.float64)
    if window <= 1 or len(boxes) < 2:
        return boxes.copy()
    half = window // 2
    out = boxes.copy()
    ok = np.isfinite(boxes).all(axis=1)
    reduce = np.median if method == "median" else np.mean
    for t in np.flatnonzero(ok):
        lo, hi = max(0, t - half), t + half + 1
        win = boxes[lo:hi][ok[lo:hi]]
        out[t] = reduce(win, axis=0)
    return out


def build_track(
    raw_boxes: np.ndarray, raw_landmarks: np.ndarray, frame_shape: tuple[int, int], *,
    no_face: str = "previous", smooth: int = 5, smooth_method: str = "median", max_gap: int = 12,
    clip_id: str = "",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """(boxes, landmarks, found, stats) from raw per-frame detections (NaN = no face).

    Raises ClipFailure when no frame has a face: the runner records it and goes on."""
    found = np.isfinite(raw_boxes).all(axis=1)
    if not found.any():
        where = f"clip {clip_id}: " if clip_id else ""
        raise ClipFailure(f"{where}no face found in any of its {len(found)} frames")
    boxes, filled_b = interpolate_gaps(raw_boxes, found, max_gap)
    landmarks, _ = interpolate_gaps(raw_landmarks, found, max_gap)
    have = found | filled_b
    boxes, landmarks = fill_missing(boxes, landmarks, have, no_face, frame_shape)
    boxes = smooth_boxes(boxes, smooth, smooth_method)
    stats = {
        "frames": int(len(found)), "found": int(found.sum()), "interpolated": int(filled_b.sum()),
        "filled": int((~have).sum()) if no_face != "skip" else 0,
        "skipped": int((~have).sum()) if no_face == "skip" else 0,
    }
    return boxes.astype(np.float32), landmarks.astype(np.float32), found, stats
