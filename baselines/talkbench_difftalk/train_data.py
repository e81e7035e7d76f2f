"""Training samples for DiffTalk from any talkbench Dataset (faces cut once, kept in memory).

One sample = (target crop, masked crop, reference crop, 8×16×29 audio windows, 39 landmarks),
DiffTalk's ``TalkTrain`` item. The reference is a random frame of the same clip at least
``min(60, T//3)`` frames away from the target (DiffTalk: outside ±60 frames).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from talkbench_difftalk.audio_features import clip_windows
from talkbench_difftalk.faces_prep import face_inputs


@dataclass
class ClipFaces:
    crops: np.ndarray      # T×S×S×3 uint8
    masked: np.ndarray     # T×S×S×3 uint8
    landmarks: np.ndarray  # T×39×2
    windows: np.ndarray    # T×8×16×29


def prepare_clips(dataset, split: str, image_size: int, latent_size: int, audio_features: str,
                  limit: int | None = None, progress: bool = True) -> list[ClipFaces]:
    from talkbench import progress_bar

    ids = dataset.clip_ids(split)[: limit or None]
    if not ids:
        raise ValueError(f"dataset {dataset.name}: split {split!r} has no clips to train on")
    out = []
    with progress_bar(len(ids), f"difftalk: cutting faces ({split})", enabled=progress) as bar:
        for cid in ids:
            clip = dataset.load_clip(split, cid)
            faces = face_inputs(clip, image_size, latent_size)
            n = len(faces.crops)
            out.append(ClipFaces(faces.crops, faces.masked, faces.landmarks,
                                 clip_windows(clip, clip.audio, n, audio_features).astype(np.float32)))
            bar.advance()
    return out


class FrameDataset(torch.utils.data.Dataset):
    """Every frame of every clip; the reference frame is drawn per access from ``rng``."""

    def __init__(self, clips: list[ClipFaces], seed: int = 0) -> None:
        self.clips = clips
        self.index = [(c, t) for c, cl in enumerate(clips) for t in range(len(cl.crops))]
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.index)

    def reference_frame(self, n: int, t: int) -> int:
        gap = min(60, n // 3)
        far = [i for i in range(n) if abs(i - t) >= gap and i != t] or [i for i in range(n) if i != t] or [t]
        return int(self.rng.choice(far))

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        c, t = self.index[i]
        cl = self.clips[c]
        r = self.reference_frame(len(cl.crops), t)

        def img(u8):
            return torch.from_numpy(np.ascontiguousarray(u8)).float().div(127.5).sub(1.0).permute(2, 0, 1)

        return {"image": img(cl.crops[t]), "masked": img(cl.masked[t]), "reference": img(cl.crops[r]),
                "audio": torch.from_numpy(cl.windows[t]), "landmarks": torch.from_numpy(cl.landmarks[t])}
