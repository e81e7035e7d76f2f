"""The image pairs a quality metric compares: which region, at which size, in which colours.

The protocol (region, size, colour) is part of every recorded number. Defaults follow
TalkLip's evaluation/visual_quality.py, the protocol behind Table 1: the face box of each GT
frame is cut from both videos, each crop resized to 96×96 with cv2 INTER_LINEAR, and frames
are paired up to the shorter video's length.
"""

from __future__ import annotations

import cv2
import numpy as np

from talkbench import ClipFailure, Clip, Option

REGION_OPTIONS = (
    Option("region", str, "face", "compare the face box (TalkLip) or the full frame",
           choices=("face", "full")),
    Option("size", int, 96, "resize each region to size×size (0 keeps the native size)", min=0),
    Option("color", str, "rgb", "colour space the metric sees", choices=("rgb", "gray")),
    Option("face_backend", str, "auto", "talkbench.faces backend for region=face"),
)


def _face_boxes(reference: Clip, backend: str) -> np.ndarray:
    # Imported here so the metric works without the face pipeline when region=full.
    from talkbench.faces import track_faces

    track = track_faces(reference, backend=backend)
    return np.asarray(track.boxes, dtype=np.float64)


def _crop(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    x1, y1 = max(0, x1), max(0, y1)
    x2, y2 = min(w, max(x2, x1 + 1)), min(h, max(y2, y1 + 1))
    return frame[y1:y2, x1:x2]


def _to_color(frames: np.ndarray, color: str) -> np.ndarray:
    if color == "gray":
        return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])[..., None]
    return frames


def paired_regions(generated: Clip, reference: Clip | None, options: dict) -> tuple[np.ndarray, np.ndarray]:
    """(gen, ref) uint8 arrays N×S×S×C of the compared regions, N = min of the two lengths."""
    if reference is None:
        raise ClipFailure("image-quality metrics need the reference video")
    gen, ref = generated.frames, reference.frames
    n = min(len(gen), len(ref))
    if n == 0:
        raise ClipFailure(f"clip {generated.id}: no frames to compare")
    gen, ref = gen[:n], ref[:n]
    if gen.shape[1:3] != ref.shape[1:3]:
        # a generator that outputs another resolution is compared on the reference's grid
        gen = np.stack([cv2.resize(f, (ref.shape[2], ref.shape[1]), interpolation=cv2.INTER_LINEAR) for f in gen])
    size = options["size"]
    if options["region"] == "face":
        boxes = _face_boxes(reference, options["face_backend"])[:n]
        gen = [_crop(f, b) for f, b in zip(gen, boxes)]
        ref = [_crop(f, b) for f, b in zip(ref, boxes)]
        if not size:  # crops differ in size from frame to frame: a common grid is needed
            raise ClipFailure("region=face needs size > 0")
    if size:
        gen = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_LINEAR) for f in gen])
        ref = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_LINEAR) for f in ref])
    return _to_color(np.asarray(gen), options["color"]), _to_color(np.asarray(ref), options["color"])
