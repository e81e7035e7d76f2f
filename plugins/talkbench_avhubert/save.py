"""Write a model in the official fairseq checkpoint layout (``cfg`` + ``model`` keys).

Used to hand random-weight or converted models to anything that reads official files
(including this plugin's own loader and ``--weights``), and by the oracle tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from talkbench import atomic_path

from talkbench_avhubert.config import AVHubertConfig
from talkbench_avhubert.checkpoint import S2S_ENCODER_PREFIX


def _encoder_cfg(cfg: AVHubertConfig) -> dict:
    return {"_name": "av_hubert", "encoder_layers": cfg.encoder_layers,
            "encoder_embed_dim": cfg.encoder_embed_dim,
            "encoder_ffn_embed_dim": cfg.encoder_ffn_embed_dim,
            "encoder_attention_heads": cfg.encoder_attention_heads,
            "layer_norm_first": cfg.layer_norm_first, "activation_fn": cfg.activation_fn,
            "conv_pos": cfg.conv_pos, "conv_pos_groups": cfg.conv_pos_groups,
            "audio_feat_dim": cfg.audio_feat_dim, "resnet_relu_type": cfg.resnet_relu_type,
            "modality_fuse": cfg.modality_fuse, "input_modality": "image"}


def _task_cfg(cfg: AVHubertConfig, tokenizer: str | None, s2s: bool) -> dict:
    return {"_name": "av_hubert_pretraining", "labels": ["wrd"] if s2s else ["km"],
            "is_s2s": s2s, "fine_tuning": s2s, "normalize": cfg.normalize,
            "stack_order_audio": cfg.stack_order_audio, "image_crop_size": cfg.image_crop_size,
            "image_mean": cfg.image_mean, "image_std": cfg.image_std,
            "modalities": ["audio", "video"],
            "tokenizer_bpe_name": "sentencepiece" if tokenizer else None,
            "tokenizer_bpe_model": tokenizer}


def fairseq_state_dict(encoder: nn.Module, decoder: nn.Module | None) -> dict[str, torch.Tensor]:
    prefix = S2S_ENCODER_PREFIX if decoder is not None else ""
    state = {prefix + k: v for k, v in encoder.state_dict().items()}
    if decoder is not None:
        state.update({"decoder." + k: v for k, v in decoder.state_dict().items()})
    return state


def _cast(state: dict[str, torch.Tensor], dtype: torch.dtype | None) -> dict[str, torch.Tensor]:
    if dtype is None:
        return state
    return {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}


def save_fairseq_checkpoint(
    path: str | Path, cfg: AVHubertConfig, encoder: nn.Module, decoder: nn.Module | None = None,
    tokenizer_model: str | None = None, symbols: Sequence[str] | None = None,
    dtype: torch.dtype | None = None,
) -> Path:
    """Atomically write ``path``; seq2seq when ``decoder`` is given.

    ``dtype=torch.float16`` halves the file (floating tensors only; the loader casts back)."""
    s2s = decoder is not None
    task = _task_cfg(cfg, tokenizer_model, s2s)
    if s2s:
        model_cfg = {"_name": "av_hubert_seq2seq", "w2v_path": None,
                     "w2v_args": {"model": _encoder_cfg(cfg), "task": _task_cfg(cfg, None, False)},
                     "decoder_layers": cfg.decoder_layers, "decoder_embed_dim": cfg.decoder_embed_dim,
                     "decoder_ffn_embed_dim": cfg.decoder_ffn_embed_dim,
                     "decoder_attention_heads": cfg.decoder_attention_heads,
                     "decoder_normalize_before": cfg.decoder_normalize_before,
                     "decoder_learned_pos": False,
                     "max_target_positions": cfg.max_target_positions,
                     "share_decoder_input_output_embed": cfg.share_decoder_input_output_embed,
                     "no_scale_embedding": cfg.no_scale_embedding}
    else:
        model_cfg = _encoder_cfg(cfg)
    task_state = {}
    if symbols is not None:
        task_state["target_dictionary"] = {"symbols": list(symbols), "bos_index": cfg.bos_idx,
                                           "pad_index": cfg.pad_idx, "eos_index": cfg.eos_idx,
                                           "unk_index": cfg.unk_idx}
    ckpt = {"args": None, "cfg": {"model": model_cfg, "task": task},
            "model": _cast(fairseq_state_dict(encoder, decoder), dtype), "task_state": task_state,
            "extra_state": {}, "optimizer_history": []}
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)
    return path
