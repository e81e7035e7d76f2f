"""Load official fairseq AV-HuBERT checkpoints (pretraining or seq2seq) without fairseq.

Reads only ``cfg`` and ``model`` (plus the pickled target Dictionary's symbol list): builds the
config, strips the ``encoder.w2v_model.`` prefix, maps both weight-norm key styles of the
positional convolution onto ``weight_g``/``weight_v``, drops pretraining-only tensors, and
refuses any remaining mismatch with the list of missing/unexpected keys.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from talkbench_avhubert.config import AVHubertConfig, config_from_fairseq
from talkbench_avhubert.unpickle import load_fairseq_checkpoint, plain

S2S_ENCODER_PREFIX = "encoder.w2v_model."
# Used only by the pretraining objective (masking / cluster prediction heads).
PRETRAINING_ONLY = ("mask_emb", "label_embs_concat", "final_proj.", "target_glu.")
# Buffers some fairseq versions persist that carry no weights.
IGNORED_SUFFIXES = ("embed_positions._float_tensor", ".version")


class CheckpointError(ValueError):
    """A checkpoint that is not an AV-HuBERT model of the expected kind or shape."""


def _rename_pos_conv(key: str) -> str:
    # torch >= 2.1 parametrized weight norm: original0 = g, original1 = v
    key = key.replace("pos_conv.0.parametrizations.weight.original0", "pos_conv.0.weight_g")
    return key.replace("pos_conv.0.parametrizations.weight.original1", "pos_conv.0.weight_v")


def _is_dropped(key: str) -> bool:
    return key.startswith(PRETRAINING_ONLY) or key.endswith(IGNORED_SUFFIXES)


@dataclass
class LoadedCheckpoint:
    path: Path
    config: AVHubertConfig
    encoder_state: dict[str, torch.Tensor]
    decoder_state: dict[str, torch.Tensor] | None
    symbols: list[str] | None
    cfg: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def is_seq2seq(self) -> bool:
        return self.decoder_state is not None

    def load_encoder_into(self, encoder: nn.Module) -> None:
        state = dict(self.encoder_state)
        if not getattr(encoder, "has_video", True):
            state = {k: v for k, v in state.items() if not k.startswith("feature_extractor_video.")}
        strict_load(encoder, state, f"{self.path} (encoder)")

    def build_seq2seq(self):
        from talkbench_avhubert.model import AVHubertSeq2Seq

        if not self.is_seq2seq:
            raise CheckpointError(
                f"{self.path}: is an AV-HuBERT pretraining checkpoint (no decoder); lip reading "
                "needs a fine-tuned seq2seq checkpoint such as large_vox_433h.pt"
            )
        model = AVHubertSeq2Seq(self.config)
        self.load_encoder_into(model.encoder)
        strict_load(model.decoder, self.decoder_state, f"{self.path} (decoder)")
        return model.eval()


def strict_load(module: nn.Module, state: dict[str, torch.Tensor], where: str) -> None:
    """load_state_dict that names every missing/unexpected/mis-shaped key in one error."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = sorted(f"{k} {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
                    for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or shapes:
        def lst(xs):
            return ", ".join(xs[:12]) + (f" … (+{len(xs) - 12})" if len(xs) > 12 else "")
        parts = [f"missing keys: {lst(missing)}" if missing else "",
                 f"unexpected keys: {lst(unexpected)}" if unexpected else "",
                 f"shape mismatches: {lst(shapes)}" if shapes else ""]
        raise CheckpointError(f"{where}: state dict does not fit the model; "
                              + "; ".join(p for p in parts if p))
    module.load_state_dict(state, strict=True)


def split_state(model_state: dict[str, torch.Tensor], seq2seq: bool):
    """(encoder_state, decoder_state or None) with talkbench key names."""
    enc: dict[str, torch.Tensor] = {}
    dec: dict[str, torch.Tensor] = {}
    other: list[str] = []
    for key, value in model_state.items():
        if seq2seq:
            if key.startswith(S2S_ENCODER_PREFIX):
                sub = key[len(S2S_ENCODER_PREFIX):]
                if not _is_dropped(sub):
                    enc[_rename_pos_conv(sub)] = value
            elif key.startswith("decoder."):
                sub = key[len("decoder."):]
                if not _is_dropped(sub):
                    dec[sub] = value
            else:
                other.append(key)
        elif not _is_dropped(key):
            enc[_rename_pos_conv(key)] = value
    if other:
        raise CheckpointError(f"unexpected keys outside encoder/decoder: {', '.join(other[:8])}")
    return enc, (dec if seq2seq else None)


def load_checkpoint(path: str | Path) -> LoadedCheckpoint:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: AV-HuBERT checkpoint not found")
    try:
        ckpt = load_fairseq_checkpoint(path)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
        raise CheckpointError(f"{path}: not a readable torch checkpoint ({exc})") from None
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise CheckpointError(f"{path}: not a fairseq checkpoint (no 'model' entry)")
    cfg = plain(ckpt.get("cfg"))
    if not isinstance(cfg, dict) or not cfg.get("model"):
        raise CheckpointError(f"{path}: has no fairseq 'cfg' (pre-hydra 'args' checkpoints "
                              "are not supported)")
    state = ckpt["model"]
    seq2seq = (cfg["model"].get("_name") == "av_hubert_seq2seq")
    vocab = None
    if seq2seq:
        emb = state.get("decoder.embed_tokens.weight")
        if emb is None:
            raise CheckpointError(f"{path}: seq2seq checkpoint without decoder.embed_tokens.weight")
        vocab = int(emb.shape[0])
    try:
        config = config_from_fairseq(cfg, vocab_size=vocab)
    except ValueError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    symbols = None
    task_state = ckpt.get("task_state") or {}
    tdict = task_state.get("target_dictionary") if isinstance(task_state, dict) else None
    if tdict is not None:
        symbols = list(plain(tdict).get("symbols") or []) or None
        d = plain(tdict)
        config = config.replace(pad_idx=d.get("pad_index", 1), eos_idx=d.get("eos_index", 2),
                                bos_idx=d.get("bos_index", 0), unk_idx=d.get("unk_index", 3))
    enc, dec = split_state(state, seq2seq)
    if seq2seq and "embed_out" in dec:
        config = config.replace(share_decoder_input_output_embed=False)
    return LoadedCheckpoint(path, config, enc, dec, symbols, cfg)
