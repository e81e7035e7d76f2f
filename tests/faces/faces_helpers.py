"""Helpers shared by the face tests (imported by module name: tests/ is not a package)."""

from __future__ import annotations

import numpy as np

import talkbench

VIDEOS = (
    "sadtalker_WDA_AlexandriaOcasioCortez_000", "sadtalker_WDA_KatieHill_000",
    "videoretalking_face_1", "videoretalking_face_2", "videoretalking_face_3",
    "videoretalking_face_4", "videoretalking_face_5",
)
#: frames per video the default tests detect on (spread over the clip); slow tests use all
SUBSET = 10


def subset(frames: np.ndarray, n: int = SUBSET) -> np.ndarray:
    idx = np.linspace(0, len(frames) - 1, n).round().astype(int)
    return frames[idx]


def frames_clip(frames: np.ndarray, clip_id: str = "frames") -> talkbench.Clip:
    """An in-memory clip (no path: cached by pixel hash)."""
    return talkbench.Clip(id=clip_id, frames_source=np.ascontiguousarray(frames))
