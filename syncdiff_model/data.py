"""Training/inference data: face crops + raw audio features per clip, and seeded batches.

A batch is drawn from a generator seeded by (seed, step, rank), not from a stateful loader, so
``--resume`` at step k draws exactly the batches an uninterrupted run would have drawn.
Training priors (paper): identity = a random frame of the same clip, pose = the NP previous
ground-truth frames, masked = the target with its lower half zeroed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from talkbench import Clip, ClipFailure
from syncdiff_model.audio import DS_DIM, DS_WINDOW
from syncdiff_model.config import SyncDiffConfig
from talkbench.faces import mask_lower_half
from syncdiff_model.faces import crop_faces, face_boxes, square_boxes, to_tensor_images


@dataclass
class PreparedClip:
    id: str
    crops: np.ndarray          # (T, S, S, 3) uint8 face crops
    squares: np.ndarray        # (T, 4) int crop squares in the full frame
    audio: torch.Tensor        # (T, 104) AVHuBERT filterbanks or (T, 16, 29) DeepSpeech


def load_deepspeech(clip: Clip) -> np.ndarray:
    """Precomputed DeepSpeech windows (T, 16, 29): clip.meta["deepspeech"] or ``<clip>.ds.npy``."""
    feats = clip.meta.get("deepspeech")
    where = "clip.meta['deepspeech']"
    if feats is None:
        path = Path(clip.path).with_suffix(".ds.npy") if clip.path else None
        if path is None or not path.is_file():
            raise ClipFailure(
                f"clip {clip.id}: audio=deepspeech needs precomputed features at "
                f"{path or '<clip>.ds.npy'} (T×16×29 per frame, DeepSpeech 0.1 as DiffTalk); "
                "compute them or use --option audio=avhubert"
            )
        feats, where = np.load(path), str(path)
    feats = np.asarray(feats, dtype=np.float32)
    if feats.ndim != 3 or feats.shape[1:] != (DS_WINDOW, DS_DIM):
        raise ClipFailure(f"{where}: DeepSpeech features must be (T, 16, 29), got {feats.shape}")
    return feats


def raw_audio(clip: Clip, config: SyncDiffConfig, audio_encoder, audio=None) -> torch.Tensor:
    """The audio conditioner's input for ``clip`` (``audio`` overrides the clip's own)."""
    t = clip.num_frames
    if audio_encoder is None:  # the autoencoder stage needs no audio
        return torch.empty(0)
    if config.audio == "deepspeech":
        feats = load_deepspeech(clip)
        if len(feats) < t:  # the last frames repeat the last window, as padding
            feats = np.concatenate([feats, np.repeat(feats[-1:], t - len(feats), 0)])
        return torch.from_numpy(feats[:t])
    return audio_encoder.raw_features(clip.audio if audio is None else audio, t).float()


def prepare_clip(clip: Clip, config: SyncDiffConfig, audio_encoder, audio=None) -> PreparedClip:
    frames = clip.frames
    if len(frames) < config.min_frames:
        raise ClipFailure(
            f"clip {clip.id}: {len(frames)} frames; syncdiff with num_prev={config.num_prev} "
            f"needs at least {config.min_frames}"
        )
    squares = square_boxes(face_boxes(clip), frames.shape[1], frames.shape[2])
    crops = crop_faces(frames, squares, config.image_size)
    return PreparedClip(clip.id, crops, squares, raw_audio(clip, config, audio_encoder, audio))


def pad_audio(items: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack variable-length (T, ...) features into (B, Tmax, ...) + lengths."""
    lengths = torch.tensor([len(x) for x in items])
    out = items[0].new_zeros((len(items), int(lengths.max()), *items[0].shape[1:]))
    for i, x in enumerate(items):
        out[i, : len(x)] = x
    return out, lengths


class FrameBatches:
    """Seeded random training batches over prepared clips."""

    def __init__(self, clips: list[PreparedClip], config: SyncDiffConfig, seed: int = 0) -> None:
        self.clips, self.config, self.seed = clips, config, seed
        npv = config.num_prev
        # every frame that has NP ground-truth predecessors can be a target
        self.index = [(c, t) for c, clip in enumerate(clips) for t in range(npv, len(clip.crops))]
        if not self.index:
            raise ClipFailure(f"no clip has more than num_prev={npv} frames to train on")
        # control run: each clip is paired with another clip's audio (fixed derangement)
        n = len(clips)
        self.audio_of = [(c + 1) % n if config.shuffle_audio and n > 1 else c for c in range(n)]

    def __len__(self) -> int:
        return len(self.index)

    def generator(self, step: int, rank: int = 0, stream: int = 0) -> torch.Generator:
        return torch.Generator().manual_seed(hash((self.seed, step, rank, stream)) & 0x7FFFFFFF)

    def batch(self, step: int, batch_size: int, rank: int = 0) -> dict[str, torch.Tensor]:
        g = self.generator(step, rank)
        picks = torch.randint(len(self.index), (batch_size,), generator=g).tolist()
        target, identity, pose, audio, frame = [], [], [], [], []
        for p in picks:
            c, t = self.index[p]
            clip = self.clips[c]
            target.append(clip.crops[t])
            identity.append(clip.crops[int(torch.randint(len(clip.crops), (1,), generator=g))])
            pose.append(clip.crops[t - self.config.num_prev: t][::-1])  # most recent first
            src = self.clips[self.audio_of[c]]
            audio.append(src.audio)
            frame.append(min(t, len(src.audio) - 1))
        return make_batch(np.stack(target), np.stack(identity), np.stack(pose), audio, frame,
                          clip_ids=[self.clips[self.index[p][0]].id for p in picks])


def make_batch(target, identity, pose, audio, frame, clip_ids=None) -> dict:
    """Tensors the model's forward takes, from uint8 crops: pose is (B, NP, S, S, 3)."""
    feats, lengths = pad_audio(audio)
    b, npv = pose.shape[:2]
    return {
        "target": to_tensor_images(target),
        "masked": to_tensor_images(mask_lower_half(target)),
        "identity": to_tensor_images(identity),
        "pose": to_tensor_images(pose.reshape(b * npv, *pose.shape[2:])).reshape(b, npv, 3, *pose.shape[2:4]),
        "audio": feats, "audio_len": lengths, "frame": torch.tensor(frame),
        "clip_ids": clip_ids or [],
    }
