"""A tiny synthetic talking-face dataset for the syncdiff tests (no media files).

Each clip: a coloured face disc on a background; a dark mouth whose height follows the audio
envelope (a tone switched on and off per syllable), so the audio→mouth link is learnable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkbench import Clip, Dataset

FPS, SR = 25, 16000


def make_clip(idx: int, frames: int = 12, size: int = 64) -> Clip:
    rng = np.random.default_rng(idx)
    env = (rng.random(frames) > 0.5).astype(np.float32)
    t = np.arange(frames * SR // FPS) / SR
    audio = (0.3 * np.sin(2 * np.pi * (150 + 50 * idx) * t) * np.repeat(env, SR // FPS)).astype(np.float32)
    yy, xx = np.mgrid[:size, :size]
    cx, cy, r = size // 2 + (idx % 3) - 1, size // 2, size * 0.35
    face = ((xx - cx) ** 2 + (yy - cy) ** 2) < r ** 2
    colour = np.array([200 - 20 * idx, 150, 120 + 15 * idx], dtype=np.uint8)
    vid = np.empty((frames, size, size, 3), dtype=np.uint8)
    for f in range(frames):
        img = np.full((size, size, 3), 40 + 10 * idx, dtype=np.uint8)
        img[face] = colour
        h = 1 + int(env[f] * size * 0.1)
        img[cy + size // 8 - h: cy + size // 8 + h, cx - size // 8: cx + size // 8] = (60, 10, 10)
        vid[f] = img
    box = np.array([cx - r, cy - r, cx + r, cy + r], dtype=np.float32)
    return Clip(id=f"syn{idx:02d}", frames_source=vid, audio_source=audio,
                meta={"boxes": np.repeat(box[None], frames, 0), "mouth_open": env})


class SyntheticDataset(Dataset):
    name = "synthetic"
    splits = ("train", "test")
    needs_root = False

    def __init__(self, root=None, n: int = 3, frames: int = 12, **options) -> None:
        super().__init__(root, **options)
        self.n, self.frames = n, frames

    def clip_ids(self, split: str) -> list[str]:
        return [f"syn{i:02d}" for i in range(self.n)]

    def load_clip(self, split: str, clip_id: str) -> Clip:
        return make_clip(int(clip_id[3:]), self.frames)


FAST = dict(preset="tiny", ae_steps=2, batch_size=2, checkpoint_every=2, preview_every=2)


def train_tiny(out: Path, max_steps: int = 2, resume: bool = False, **options):
    from syncdiff_model.talkbench_trainer import SyncDiffTrainer

    trainer = SyncDiffTrainer(**{**FAST, **options})
    return trainer.train(SyntheticDataset(), split="train", out_dir=out, max_steps=max_steps, resume=resume)
