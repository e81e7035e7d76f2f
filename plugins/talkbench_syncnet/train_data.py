"""Training pairs for SyncNet: 5-frame windows and 0.2 s of MFCC, in sync or shifted.

Every clip is prepared once exactly as the ``lrs`` metric protocol sees it (jpg round trip,
whole frame resized to the net's size, int16-scale MFCC), so the trained net is scored on the
inputs it was trained on. Batches are drawn from a generator seeded by (seed, step): a resumed
run draws the same batches as an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from talkbench import Dataset

from talkbench_syncnet.model import FRAMES_PER_WINDOW, MFCC_WINDOW
from talkbench_syncnet.prep import clip_audio, prepare_frames
from talkbench_syncnet.scoring import MFCC_PER_FRAME, mfcc_int16, window_count


@dataclass
class TrainClip:
    id: str
    frames: np.ndarray  # T×S×S×3 uint8 BGR
    mfcc: np.ndarray    # (13, N) float32
    n_windows: int


def load_training_clips(dataset: Dataset, split: str, size: int, jpeg_roundtrip: bool,
                        limit: int | None = None, progress: bool = True) -> list[TrainClip]:
    from rich.progress import track

    ids = dataset.clip_ids(split)[:limit]
    out = []
    for clip_id in track(ids, description=f"syncnet data ({split})", disable=not progress, transient=True):
        clip = dataset.load_clip(split, clip_id)
        frames, _ = prepare_frames(clip, protocol="lrs", size=size, jpeg_roundtrip=jpeg_roundtrip)
        audio, _ = clip_audio(clip, None)
        _, n_windows = window_count(len(frames), len(audio))
        if n_windows < 1:
            continue  # too short to give a single window; the metric reports these clips
        mfcc = mfcc_int16(audio).T.astype(np.float32)
        out.append(TrainClip(clip.id, frames, mfcc, n_windows))
    if not out:
        raise ValueError(f"{dataset.name}/{split}: no clip long enough to train SyncNet on (need > 5 frames)")
    return out


def sample_batch(clips: list[TrainClip], batch_size: int, seed: int, step: int, *,
                 min_shift: int = 3, max_shift: int = 15) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(video (B,3,5,S,S) float, audio (B,1,13,20) float, label (B,) 1=in sync) for ``step``.

    Half the pairs are in sync; the others pair video window i with audio window i + d,
    min_shift ≤ |d| ≤ max_shift (the offsets LSE searches), inside the same clip.
    """
    rng = np.random.default_rng([seed, step])
    vids, auds, labels = [], [], []
    while len(labels) < batch_size:
        c = clips[rng.integers(len(clips))]
        i = int(rng.integers(c.n_windows))
        positive = rng.random() < 0.5
        j = i
        if not positive:
            d = int(rng.integers(min_shift, max_shift + 1)) * (1 if rng.random() < 0.5 else -1)
            j = i + d
            if not 0 <= j < c.n_windows:
                j = i - d
                if not 0 <= j < c.n_windows:
                    continue  # clip too short for this shift; draw again
        vids.append(c.frames[i: i + FRAMES_PER_WINDOW])
        auds.append(c.mfcc[:, MFCC_PER_FRAME * j: MFCC_PER_FRAME * j + MFCC_WINDOW])
        labels.append(1.0 if positive else 0.0)
    video = torch.from_numpy(np.stack(vids)).permute(0, 4, 1, 2, 3).float()  # B,3,5,S,S (BGR 0–255)
    audio = torch.from_numpy(np.stack(auds)).unsqueeze(1)
    return video, audio, torch.tensor(labels)


def contrastive_loss(v: torch.Tensor, a: torch.Tensor, label: torch.Tensor, margin: float) -> torch.Tensor:
    """The SyncNet paper's loss: ½ mean( y·d² + (1−y)·max(margin − d, 0)² ), d = ‖v − a‖₂."""
    d = torch.nn.functional.pairwise_distance(v, a)
    return 0.5 * (label * d.pow(2) + (1 - label) * torch.clamp(margin - d, min=0).pow(2)).mean()
