"""Demo-like clips built in memory with the demo's face drawer (exact landmarks in meta)."""

from __future__ import annotations

import numpy as np

from talkbench import Clip, Dataset


def demo_like_clip(n_frames: int = 6, size: int = 96, index: int = 0, clip_id: str = "c0") -> Clip:
    from talkbench.builtins import demo_face as face

    rng = np.random.default_rng(index)
    sp = face.make_speaker(index, rng)
    base = face.background(sp, size)
    frames = np.empty((n_frames, size, size, 3), np.uint8)
    lms = np.empty((n_frames, 68, 2), np.float32)
    boxes = np.empty((n_frames, 4), np.float32)
    for t in range(n_frames):
        centre = face.head_centre(sp, size, t / 25.0)
        opening = 0.5 + 0.5 * np.sin(t)
        lms[t] = face.landmarks(sp, size, centre, float(opening), 0.5, 0.0)
        boxes[t] = face.face_box(sp, centre, lms[t], size)
        frames[t] = face.draw(base, sp, centre, lms[t], size)
    audio = (0.1 * rng.standard_normal(int(n_frames / 25 * 16000))).astype(np.float32)
    return Clip(id=clip_id, frames_source=frames, audio_source=audio, meta={"landmarks": lms, "boxes": boxes})


class DemoLike(Dataset):
    """Two in-memory clips, for the training-loop test (no demo build needed)."""

    name = "demo-like"
    splits = ("train",)
    default_split = "train"
    needs_root = False

    def __init__(self, n_frames: int = 8) -> None:
        super().__init__(None)
        self._clips = {f"c{i}": demo_like_clip(n_frames, 96, i, f"c{i}") for i in range(2)}

    def clip_ids(self, split: str) -> list[str]:
        return sorted(self._clips)

    def load_clip(self, split: str, clip_id: str) -> Clip:
        return self._clips[clip_id]
