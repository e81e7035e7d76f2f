"""AV-HuBERT model configuration: presets and conversion from a fairseq checkpoint ``cfg``.

Field names follow facebookresearch/av_hubert's AVHubertConfig / AVHubertSeq2SeqConfig so that
a checkpoint's ``cfg['model']`` (or its ``w2v_args['model']``) maps onto it by name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any, Mapping


@dataclass
class AVHubertConfig:
    """Shape of an AV-HuBERT encoder (and optional seq2seq decoder)."""

    encoder_layers: int = 12
    encoder_embed_dim: int = 768
    encoder_ffn_embed_dim: int = 3072
    encoder_attention_heads: int = 12
    layer_norm_first: bool = True
    activation_fn: str = "gelu"
    conv_pos: int = 128
    conv_pos_groups: int = 16
    audio_feat_dim: int = 104
    resnet_relu_type: str = "prelu"
    modality_fuse: str = "concat"
    # training only (eval() turns them off); 0 by default, the official cfgs use 0.1 / 0.1 / 0.0
    dropout: float = 0.0
    attention_dropout: float = 0.0
    activation_dropout: float = 0.0
    # seq2seq decoder; decoder_layers == 0 means encoder only (pretraining / feature models)
    decoder_layers: int = 0
    decoder_embed_dim: int = 768
    decoder_ffn_embed_dim: int = 3072
    decoder_attention_heads: int = 12
    decoder_normalize_before: bool = True
    decoder_activation_fn: str = "relu"
    vocab_size: int = 1000
    max_target_positions: int = 1024
    share_decoder_input_output_embed: bool = True
    no_scale_embedding: bool = True
    pad_idx: int = 1
    eos_idx: int = 2
    bos_idx: int = 0
    unk_idx: int = 3
    # task preprocessing recorded with the model (AVHubertPretrainingConfig)
    stack_order_audio: int = 4
    image_crop_size: int = 88
    image_mean: float = 0.421
    image_std: float = 0.165
    normalize: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def is_seq2seq(self) -> bool:
        return self.decoder_layers > 0

    def replace(self, **changes: Any) -> "AVHubertConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


PRESETS: dict[str, dict[str, Any]] = {
    "base": dict(encoder_layers=12, encoder_embed_dim=768, encoder_ffn_embed_dim=3072,
                 encoder_attention_heads=12),
    "large": dict(encoder_layers=24, encoder_embed_dim=1024, encoder_ffn_embed_dim=4096,
                  encoder_attention_heads=16),
    # CPU tests: 2 layers × 64 wide; conv_pos_groups must divide the width
    "tiny": dict(encoder_layers=2, encoder_embed_dim=64, encoder_ffn_embed_dim=128,
                 encoder_attention_heads=4, conv_pos=16, conv_pos_groups=4),
}
# The official seq2seq fine-tunes: BASE 6 decoder layers, LARGE 9 (repo's finetune yamls).
SEQ2SEQ_PRESETS: dict[str, dict[str, Any]] = {
    "base": dict(decoder_layers=6, decoder_embed_dim=768, decoder_ffn_embed_dim=3072,
                 decoder_attention_heads=4),
    "large": dict(decoder_layers=9, decoder_embed_dim=1024, decoder_ffn_embed_dim=4096,
                  decoder_attention_heads=8),
    "tiny": dict(decoder_layers=2, decoder_embed_dim=64, decoder_ffn_embed_dim=128,
                 decoder_attention_heads=4, vocab_size=100),
}


def get_config(config: "str | AVHubertConfig", seq2seq: bool = False, **overrides: Any) -> AVHubertConfig:
    """A config from a preset name ("base", "large", "tiny") or an existing config."""
    if isinstance(config, AVHubertConfig):
        return config.replace(**overrides) if overrides else config
    if config not in PRESETS:
        raise ValueError(f"unknown AV-HuBERT preset {config!r}; choose one of {', '.join(PRESETS)}")
    values = dict(PRESETS[config])
    if seq2seq:
        values.update(SEQ2SEQ_PRESETS[config])
    values.update(overrides)
    return AVHubertConfig(**values)


_NAMES = {f.name for f in fields(AVHubertConfig)}
_ENCODER_KEYS = ("encoder_layers", "encoder_embed_dim", "encoder_ffn_embed_dim",
                 "encoder_attention_heads", "layer_norm_first", "activation_fn", "conv_pos",
                 "conv_pos_groups", "audio_feat_dim", "resnet_relu_type", "modality_fuse")
_DECODER_KEYS = ("decoder_layers", "decoder_embed_dim", "decoder_ffn_embed_dim",
                 "decoder_attention_heads", "decoder_normalize_before", "max_target_positions",
                 "share_decoder_input_output_embed", "no_scale_embedding")
_TASK_KEYS = ("stack_order_audio", "image_crop_size", "image_mean", "image_std", "normalize")


def _pick(src: Mapping[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any]:
    src = src or {}
    return {k: src[k] for k in keys if k in src and src[k] is not None}


def config_from_fairseq(cfg: Mapping[str, Any], vocab_size: int | None = None) -> AVHubertConfig:
    """Translate a checkpoint's plain-dict ``cfg`` (seq2seq or pretraining) into a config."""
    model = dict(cfg.get("model") or {})
    task = dict(cfg.get("task") or {})
    name = model.get("_name", "")
    if name == "av_hubert_seq2seq":
        w2v = model.get("w2v_args") or {}
        if not isinstance(w2v, Mapping):  # argparse.Namespace in pre-hydra files
            w2v = {"model": vars(w2v)}
        if not w2v.get("model"):
            raise ValueError("seq2seq cfg has no model.w2v_args (the encoder's config); the "
                             "file was not saved by fairseq fine-tuning")
        enc = _pick(w2v.get("model"), _ENCODER_KEYS)
        values: dict[str, Any] = dict(enc)
        values.update(_pick(model, _DECODER_KEYS))
        values.setdefault("decoder_layers", 6)
        if model.get("decoder_learned_pos"):
            raise ValueError("decoder_learned_pos=True checkpoints are not supported (the "
                             "official AV-HuBERT models use sinusoidal positions)")
    elif name == "av_hubert":
        values = _pick(model, _ENCODER_KEYS)
        values["decoder_layers"] = 0
    else:
        raise ValueError(f"checkpoint model {name!r} is not an AV-HuBERT model "
                         "(expected av_hubert or av_hubert_seq2seq)")
    values.update(_pick(task, _TASK_KEYS))
    if vocab_size is not None:
        values["vocab_size"] = int(vocab_size)
    values["extra"] = {"model_name": name,
                       "tokenizer_bpe_model": task.get("tokenizer_bpe_model"),
                       "labels": task.get("labels")}
    unknown = set(values) - _NAMES
    assert not unknown, unknown  # the key tuples above only name dataclass fields
    return AVHubertConfig(**values)
