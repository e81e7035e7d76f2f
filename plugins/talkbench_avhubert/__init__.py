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

import importlib
from typing import Any

from talkbench import hookimpl

# Public names → the module that holds them. They load on first use (PEP 562), so importing the
# plugin (what `talkbench --help` and `talkbench plugins` do) does not import torch. No __dir__
# that lists them: pluggy reads every attribute dir() names when it registers the module.
_LAZY = {
    "AudioFeatureEncoder": "audio_encoder",
    "PRESETS": "config", "AVHubertConfig": "config", "get_config": "config",
    "AVHubertEncoder": "encoder",
    "audio_features": "features",
    "WER": "metric",
    "AVHubertSeq2Seq": "model",
}

__all__ = ["AVHubertConfig", "AVHubertEncoder", "AVHubertSeq2Seq", "AudioFeatureEncoder",
           "PRESETS", "WER", "audio_features", "encode_audio", "get_config", "load_checkpoint",
           "save_fairseq_checkpoint"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"talkbench_avhubert.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'talkbench_avhubert' has no attribute {name!r}")


def load_checkpoint(path):
    """Read an official fairseq AV-HuBERT checkpoint (see ``checkpoint.LoadedCheckpoint``)."""
    from talkbench_avhubert.checkpoint import load_checkpoint as _load

    return _load(path)


def save_fairseq_checkpoint(*args, **kwargs):
    """Write a model in the official fairseq layout (see ``save.save_fairseq_checkpoint``)."""
    from talkbench_avhubert.save import save_fairseq_checkpoint as _save

    return _save(*args, **kwargs)


def encode_audio(clip_or_audio: Any, encoder: "AudioFeatureEncoder | None" = None,
                 config: "str | AVHubertConfig" = "base", checkpoint=None,
                 num_frames: int | None = None):
    """(T, D) AV-HuBERT features at 25 Hz; builds an encoder when none is given."""
    import torch

    from talkbench_avhubert.audio_encoder import AudioFeatureEncoder

    enc = encoder or AudioFeatureEncoder.build(config, checkpoint=checkpoint).eval()
    with torch.no_grad():
        return enc.encode_audio(clip_or_audio, num_frames=num_frames)


@hookimpl
def register_metrics(register):
    from talkbench_avhubert.metric import WER

    register(WER)


@hookimpl
def register_weights(register):
    from talkbench_avhubert.weight_specs import SPECS

    for spec in SPECS:
        register(spec)
