"""talkbench_avhubert: AV-HuBERT in pure PyTorch and the lip-reading WER metric.

Public API for other plugins (SyncDiff, TalkLip)::

    from talkbench_avhubert import AudioFeatureEncoder, AVHubertConfig, encode_audio
    enc = AudioFeatureEncoder.build("base", checkpoint=None, freeze_layers=4)
    feats = enc.audio_features(audio_16k_float32, num_frames=T)  # (T, 104)
    hidden = enc(feats[None])                                     # (1, T, enc.output_dim)
"""

from __future__ import annotations

from typing import Any

from talkbench import hookimpl
from talkbench_avhubert.audio_encoder import AudioFeatureEncoder
from talkbench_avhubert.config import PRESETS, AVHubertConfig, get_config
from talkbench_avhubert.encoder import AVHubertEncoder
from talkbench_avhubert.features import audio_features

__all__ = ["AVHubertConfig", "AVHubertEncoder", "AudioFeatureEncoder", "PRESETS",
           "audio_features", "encode_audio", "get_config"]


def encode_audio(clip_or_audio: Any, encoder: AudioFeatureEncoder | None = None,
                 config: "str | AVHubertConfig" = "base", checkpoint=None,
                 num_frames: int | None = None):
    """(T, D) AV-HuBERT features at 25 Hz; builds an encoder when none is given."""
    import torch

    enc = encoder or AudioFeatureEncoder.build(config, checkpoint=checkpoint).eval()
    with torch.no_grad():
        return enc.encode_audio(clip_or_audio, num_frames=num_frames)
