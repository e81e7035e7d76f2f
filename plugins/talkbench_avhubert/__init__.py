"""talkbench_avhubert: AV-HuBERT in pure PyTorch and the lip-reading WER metric.

Public API for other plugins (SyncDiff, TalkLip)::

    from talkbench_avhubert import AudioFeatureEncoder, AVHubertConfig, encode_audio
    enc = AudioFeatureEncoder.build("base", checkpoint=None, freeze_layers=4)
    feats = enc.audio_features(audio_16k_float32, num_frames=T)  # (T, 104)
    hidden = enc(feats[None])                                     # (1, T, enc.output_dim)

Lip reading: ``load_checkpoint(path).build_seq2seq()`` reads an official fairseq seq2seq file
(no fairseq needed); the ``wer`` metric runs it on generated videos::

    talkbench run --model syncdiff --dataset lrs2 --metrics wer \
        --weights avhubert-large-vsr-lrs2=large_lrs2.pt --weights avhubert-large-vsr-lrs2-spm=spm.model
"""

from __future__ import annotations

from typing import Any

from talkbench import hookimpl
from talkbench_avhubert.audio_encoder import AudioFeatureEncoder
from talkbench_avhubert.config import PRESETS, AVHubertConfig, get_config
from talkbench_avhubert.encoder import AVHubertEncoder
from talkbench_avhubert.features import audio_features
from talkbench_avhubert.metric import WER
from talkbench_avhubert.model import AVHubertSeq2Seq
from talkbench_avhubert.weight_specs import SPECS

__all__ = ["AVHubertConfig", "AVHubertEncoder", "AVHubertSeq2Seq", "AudioFeatureEncoder",
           "PRESETS", "WER", "audio_features", "encode_audio", "get_config", "load_checkpoint",
           "save_fairseq_checkpoint"]


def load_checkpoint(path):
    """Read an official fairseq AV-HuBERT checkpoint (see ``checkpoint.LoadedCheckpoint``)."""
    from talkbench_avhubert.checkpoint import load_checkpoint as _load

    return _load(path)


def save_fairseq_checkpoint(*args, **kwargs):
    """Write a model in the official fairseq layout (see ``save.save_fairseq_checkpoint``)."""
    from talkbench_avhubert.save import save_fairseq_checkpoint as _save

    return _save(*args, **kwargs)


def encode_audio(clip_or_audio: Any, encoder: AudioFeatureEncoder | None = None,
                 config: "str | AVHubertConfig" = "base", checkpoint=None,
                 num_frames: int | None = None):
    """(T, D) AV-HuBERT features at 25 Hz; builds an encoder when none is given."""
    import torch

    enc = encoder or AudioFeatureEncoder.build(config, checkpoint=checkpoint).eval()
    with torch.no_grad():
        return enc.encode_audio(clip_or_audio, num_frames=num_frames)


@hookimpl
def register_metrics(register):
    register(WER)


@hookimpl
def register_weights(register):
    for spec in SPECS:
        register(spec)
