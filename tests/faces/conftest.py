"""Real-face fixtures: decoded realdata videos (once per session) and short frame subsets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import talkbench
from talkbench.faces import track_faces

from faces_helpers import VIDEOS, frames_clip, subset


@pytest.fixture(scope="session")
def decoded(realdata) -> dict[str, np.ndarray]:
    """All frames of every realdata video at 25 fps (decoded once)."""
    out = {}
    for name in VIDEOS:
        path = Path(realdata) / "video" / f"{name}.mp4"
        out[name] = talkbench.load_clip(path).frames
    return out


@pytest.fixture(scope="session")
def subset_tracks(decoded) -> dict[str, tuple[np.ndarray, object]]:
    """dlib tracks of SUBSET frames per video, no smoothing (frames are far apart in time)."""
    out = {}
    for name, frames in decoded.items():
        sub = subset(frames)
        out[name] = (sub, track_faces(frames_clip(sub, name), backend="dlib", smooth=0))
    return out
