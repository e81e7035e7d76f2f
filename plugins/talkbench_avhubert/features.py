"""Model inputs as the reference dataset builds them (avhubert/hubert_dataset.py).

Audio: python_speech_features.logfbank (26 filters, 25 ms / 10 ms) on int16-scale samples,
zero-pad to a multiple of 4 frames, stack 4 frames -> 104-d at 25 Hz, pad/trim to the video
length, per-frame layer norm. Video: grey, /255, centre crop 88, (x - mean) / std.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

SAMPLE_RATE = 16000


def logfbank_26(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """(n_frames, 26) float32 log Mel energies of float audio in [-1, 1] (10 ms hop)."""
    from python_speech_features import logfbank

    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono 1-D, got shape {audio.shape}")
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"audio must be 16 kHz (got {sample_rate}); resample it first")
    if audio.dtype.kind == "f":
        # the reference reads int16 wavs: float samples are int16 / 32768
        audio = audio.astype(np.float64) * 32768.0
    return logfbank(audio, samplerate=sample_rate).astype(np.float32)


def stack_frames(feats: np.ndarray, order: int = 4) -> np.ndarray:
    """Zero-pad to a multiple of ``order`` frames, then join each group: (T/order, F*order)."""
    rem = len(feats) % order
    if rem:
        feats = np.concatenate([feats, np.zeros((order - rem, feats.shape[1]), feats.dtype)])
    return feats.reshape(-1, order * feats.shape[1])


def align_length(feats: np.ndarray, num_frames: int | None) -> np.ndarray:
    """Zero-pad at the end or trim the end to ``num_frames`` (the reference's load_feature)."""
    if num_frames is None:
        return feats
    diff = len(feats) - int(num_frames)
    if diff < 0:
        return np.concatenate([feats, np.zeros((-diff, feats.shape[1]), feats.dtype)])
    return feats[: len(feats) - diff] if diff > 0 else feats


def audio_features(
    audio: np.ndarray, num_frames: int | None = None, stack_order: int = 4, normalize: bool = True
) -> torch.Tensor:
    """(T, 104) float32 AV-HuBERT audio input for 16 kHz mono audio (T at 25 Hz)."""
    feats = align_length(stack_frames(logfbank_26(audio), stack_order), num_frames)
    out = torch.from_numpy(np.ascontiguousarray(feats, dtype=np.float32))
    if normalize:
        out = F.layer_norm(out, out.shape[1:])
    return out


def grey_frames(frames: np.ndarray, resize: int | None = None) -> np.ndarray:
    """T×H×W×3 uint8 RGB -> T×H×W uint8 grey (cv2, as the reference), optionally resized."""
    import cv2

    out = []
    for frame in frames:
        g = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
        if resize is not None and g.shape != (resize, resize):
            g = cv2.resize(g, (resize, resize), interpolation=cv2.INTER_LINEAR)
        out.append(g)
    return np.stack(out)


def video_input(
    grey: np.ndarray, crop: int = 88, mean: float = 0.421, std: float = 0.165
) -> torch.Tensor:
    """T×H×W uint8 grey -> (1, 1, T, crop, crop) float32 normalised model input.

    Computed in float64 and cast, as the reference's numpy transforms.
    """
    T, H, W = grey.shape
    if H < crop or W < crop:
        raise ValueError(f"frames {H}×{W} are smaller than the {crop}×{crop} crop")
    # int(round(d) / 2.) in the reference: an odd margin puts the extra pixel at the end
    top, left = (H - crop) // 2, (W - crop) // 2
    x = grey[:, top: top + crop, left: left + crop].astype(np.float64) / 255.0
    x = ((x - mean) / std).astype(np.float32)
    return torch.from_numpy(x)[None, None]
