"""Real-face fixtures: decoded realdata videos (once per session) and short frame subsets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import talkbench
from talkbench.faces import track_faces

VIDEOS = (
    "sadtalker_WDA_AlexandriaOcasioCortez_000", "sadtalker_WDA_KatieHill_000",
    "videoretalking_face_1", "videoretalking_face_2", "videoretalking_face_3",
    "videoretalking_face_4", "videoretalking_face_5",
)
#: frames per video the default tests detect on (spread over the clip); slow tests use all
SUBSET = 10


@pytest.fixture(scope="session")
def decoded(realdata) -> dict[str, np.ndarray]:
    """All frames of every realdata video at 25 fps (decoded once)."""
    out = {}
    for name in VIDEOS:
        path = Path(realdata) / "video" / f"{name}.mp4"
        out[name] = talkbench.load_clip(path).frames
    return out


def subset(frames: np.ndarray, n: int = SUBSET) -> np.ndarray:
    idx = np.linspace(0, len(frames) - 1, n).round().astype(int)
    return frames[idx]


def frames_clip(frames: np.ndarray, clip_id: str = "frames") -> talkbench.Clip:
    """An in-memory clip (no path: cached by pixel hash)."""
    return talkbench.Clip(id=clip_id, frames_source=np.ascontiguousarray(frames))


@pytest.fixture(scope="session")
def subset_tracks(decoded) -> dict[str, tuple[np.ndarray, object]]:
    """dlib tracks of SUBSET frames per video, no smoothing (frames are far apart in time)."""
    out = {}
    for name, frames in decoded.items():
        sub = subset(frames)
        out[name] = (sub, track_faces(frames_clip(sub, name), backend="dlib", smooth=0))
    return out
