"""TalkLip's audio input: AV-HuBERT filterbanks aligned to the video as its test script does."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from talkbench_avhubert.features import logfbank_26, stack_frames


def align_centre(feats: np.ndarray, num_frames: int) -> np.ndarray:
    """Pad zeros at the end when short; when long, trim both ends (left = diff // 2).

    TalkLip's ``audio_visual_align`` trims symmetrically, unlike AV-HuBERT's loader, which
    trims the end; the choice shifts every audio frame and so matters for lip sync.
    """
    diff = len(feats) - num_frames
    if diff < 0:
        return np.concatenate([feats, np.zeros((-diff, feats.shape[1]), feats.dtype)])
    if diff > 0:
        left = diff // 2
        return feats[left : left + num_frames]
    return feats


def talklip_features(audio: np.ndarray, num_frames: int) -> torch.Tensor:
    """(num_frames, 104) float32: 26 log filterbanks on int16-scale samples, 4 stacked, layer-normed."""
    feats = torch.from_numpy(np.ascontiguousarray(stack_frames(logfbank_26(audio), 4), dtype=np.float32))
    feats = F.layer_norm(feats, feats.shape[1:])  # per frame, so before or after alignment alike
    return torch.from_numpy(align_centre(feats.numpy(), num_frames))
