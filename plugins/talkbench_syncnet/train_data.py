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
    from talkbench import progress_bar

    ids = dataset.clip_ids(split)[:limit]
    out = []
    with progress_bar(len(ids), f"syncnet data ({dataset.name}/{split})", enabled=progress) as bar:
        for clip_id in ids:
            _add_clip(out, dataset.load_clip(split, clip_id), size, jpeg_roundtrip)
            bar.advance()
    if not out:
        raise ValueError(f"{dataset.name}/{split}: no clip long enough to train SyncNet on (need > 5 frames)")
    return out


def _add_clip(out: list[TrainClip], clip, size: int, jpeg_roundtrip: bool) -> None:
    frames, _ = prepare_frames(clip, protocol="lrs", size=size, jpeg_roundtrip=jpeg_roundtrip)
    audio, _ = clip_audio(clip, None)
    _, n_windows = window_count(len(frames), len(audio))
    if n_windows < 1:
        return  # too short to give a single window; the metric reports these clips
    mfcc = mfcc_int16(audio).T.astype(np.float32)
    out.append(TrainClip(clip.id, frames, mfcc, n_windows))


def sample_batch(clips: list[TrainClip], batch_size: int, seed: int, step: int, *, negatives: int = 7,
                 min_shift: int = 3, max_shift: int = 15) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Video (B,3,5,S,S) float, audio (B·K,1,13,20) float and labels (B,K), 1 = in sync.

    Each of the B video windows i is paired with K = 1 + ``negatives`` audio windows of its
    clip: window i itself and windows i + d, min_shift ≤ |d| ≤ max_shift (the offsets LSE
    searches), distinct. The audio tower is cheap, so several negatives per video window give
    more signal per step than one pair per window.
    """
    rng = np.random.default_rng([seed, step])
    vids, auds, labels = [], [], []
    shifts = np.concatenate([np.arange(-max_shift, -min_shift + 1), np.arange(min_shift, max_shift + 1)])
    while len(vids) < batch_size:
        c = clips[rng.integers(len(clips))]
        i = int(rng.integers(c.n_windows))
        valid = [int(i + d) for d in shifts if 0 <= i + d < c.n_windows]
        if len(valid) < negatives:
            continue  # window too close to both ends of a short clip; draw again
        js = [i] + [int(j) for j in rng.choice(valid, size=negatives, replace=False)]
        vids.append(c.frames[i: i + FRAMES_PER_WINDOW])
        auds.extend(c.mfcc[:, MFCC_PER_FRAME * j: MFCC_PER_FRAME * j + MFCC_WINDOW] for j in js)
        labels.append([1.0] + [0.0] * negatives)
    video = torch.from_numpy(np.stack(vids)).permute(0, 4, 1, 2, 3).float()  # B,3,5,S,S (BGR 0–255)
    audio = torch.from_numpy(np.stack(auds)).unsqueeze(1)
    return video, audio, torch.tensor(labels)


def contrastive_loss(v: torch.Tensor, a: torch.Tensor, label: torch.Tensor, margin: float) -> torch.Tensor:
    """The SyncNet paper's loss, y·d² + (1−y)·max(margin − d, 0)², d = ‖v − a‖₂, halved.

    ``v`` (B, D), ``a`` (B·K, D), ``label`` (B, K). In-sync and offset pairs are averaged
    separately and then summed, so K − 1 negatives per positive do not swamp the positives.
    """
    b, k = label.shape
    d = torch.nn.functional.pairwise_distance(v.repeat_interleave(k, 0), a).reshape(b, k)
    pos = (label * d.pow(2)).sum() / label.sum().clamp(min=1)
    neg = ((1 - label) * torch.clamp(margin - d, min=0).pow(2)).sum() / (1 - label).sum().clamp(min=1)
    return 0.5 * (pos + neg)
