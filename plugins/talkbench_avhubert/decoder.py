"""The seq2seq decoder of AV-HuBERT (avhubert/decoder.py on fairseq's TransformerDecoderLayer).

Pre-norm layers (self-attention, cross-attention, ReLU FFN), sinusoidal positions starting at
``pad + 1``, unscaled token embeddings, output projection tied to the embedding. The decoder
does not mask padded target tokens, as the reference.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from talkbench_avhubert.attention import MultiheadAttention
from talkbench_avhubert.config import AVHubertConfig
from talkbench_avhubert.encoder import activation


def sinusoidal_table(num: int, dim: int, padding_idx: int) -> torch.Tensor:
    """fairseq's SinusoidalPositionalEmbedding.get_embedding (float32, pad row zero)."""
    half = dim // 2
    step = math.log(10000) / (half - 1)
    freqs = torch.exp(torch.arange(half, dtype=torch.float) * -step)
    angles = torch.arange(num, dtype=torch.float).unsqueeze(1) * freqs.unsqueeze(0)
    table = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1).view(num, -1)
    if dim % 2 == 1:
        table = torch.cat([table, torch.zeros(num, 1)], dim=1)
    table[padding_idx, :] = 0
    return table


class DecoderLayer(nn.Module):
    def __init__(self, dim: int, ffn: int, heads: int, normalize_before: bool, act: str) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(dim, heads)
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.encoder_attn = MultiheadAttention(dim, heads)
        self.encoder_attn_layer_norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, ffn)
        self.fc2 = nn.Linear(ffn, dim)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.pre = normalize_before
        self.act = activation(act)

    def _block(self, x, norm, fn):
        if self.pre:
            return x + fn(norm(x))
        return norm(x + fn(x))

    def forward(self, x, enc, enc_mask, cache=None):
        self_cache = cache.setdefault("self", {}) if cache is not None else None
        cross_cache = cache.setdefault("cross", {}) if cache is not None else None
        x = self._block(x, self.self_attn_layer_norm,
                        lambda h: self.self_attn(h, causal=True, cache=self_cache))
        x = self._block(x, self.encoder_attn_layer_norm,
                        lambda h: self.encoder_attn(h, enc, key_padding_mask=enc_mask,
                                                    cache=cross_cache, static_kv=True))
        return self._block(x, self.final_layer_norm, lambda h: self.fc2(self.act(self.fc1(h))))


class TransformerDecoder(nn.Module):
    def __init__(self, cfg: AVHubertConfig) -> None:
        super().__init__()
        d = cfg.decoder_embed_dim
        if d != cfg.encoder_embed_dim:
            raise ValueError(f"decoder width {d} must equal the encoder width "
                             f"{cfg.encoder_embed_dim} (cross-attention keys, as the reference)")
        self.padding_idx = cfg.pad_idx
        self.embed_tokens = nn.Embedding(cfg.vocab_size, d, padding_idx=cfg.pad_idx)
        nn.init.normal_(self.embed_tokens.weight, 0, d ** -0.5)
        self.embed_scale = 1.0 if cfg.no_scale_embedding else math.sqrt(d)
        self.layers = nn.ModuleList(
            DecoderLayer(d, cfg.decoder_ffn_embed_dim, cfg.decoder_attention_heads,
                         cfg.decoder_normalize_before, cfg.decoder_activation_fn)
            for _ in range(cfg.decoder_layers)
        )
        self.layer_norm = nn.LayerNorm(d) if cfg.decoder_normalize_before else None
        self.share = cfg.share_decoder_input_output_embed
        if not self.share:
            self.embed_out = nn.Parameter(torch.empty(cfg.vocab_size, d).normal_(0, d ** -0.5))
        self.max_target_positions = cfg.max_target_positions
        # not persisted (as fairseq); grown on demand
        self.register_buffer("pos_table", sinusoidal_table(cfg.max_target_positions + cfg.pad_idx + 1,
                                                           d, cfg.pad_idx), persistent=False)

    def __getstate__(self):
        # the beam search's packed weights (step_decoder.step_weights) are rebuilt on demand and
        # hold closures, which do not pickle (torch.save(model), worker processes)
        state = super().__getstate__()
        state.pop("_step_weights", None)
        return state

    def positions(self, tokens: torch.Tensor, incremental: bool) -> torch.Tensor:
        if incremental:
            # fairseq: the newest position is pad + current length (no padding while decoding)
            idx = torch.full_like(tokens[:, -1:], self.padding_idx + tokens.shape[1])
        else:
            mask = tokens.ne(self.padding_idx).int()
            idx = (torch.cumsum(mask, dim=1) * mask).long() + self.padding_idx
        need = int(idx.max()) + 1
        if need > self.pos_table.shape[0]:
            self.pos_table = sinusoidal_table(need, self.pos_table.shape[1], self.padding_idx).to(
                self.pos_table.device)
        return self.pos_table[idx]

    def forward(self, prev_tokens, enc_out, enc_mask=None, caches=None):
        """prev_tokens (B, L), enc_out (T, B, D) -> logits (B, L, V).

        With ``caches`` (a list with one dict per layer), only the last token is computed, and
        ``enc_out`` may hold one column per input for B = inputs × beams rows (input-major):
        the beams of an input share its encoder keys/values (grouped cross-attention).
        This incremental path is the readable reference; the beam search runs the same
        arithmetic through ``step_decoder.StepDecoder`` (tests/avhubert/test_step_decoder.py).
        """
        incremental = caches is not None
        pos = self.positions(prev_tokens, incremental)
        if incremental:
            prev_tokens = prev_tokens[:, -1:]
        x = self.embed_scale * self.embed_tokens(prev_tokens) + pos
        x = x.transpose(0, 1)
        for i, layer in enumerate(self.layers):
            x = layer(x, enc_out, enc_mask, caches[i] if incremental else None)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        x = x.transpose(0, 1)
        weight = self.embed_tokens.weight if self.share else self.embed_out
        return torch.matmul(x, weight.transpose(0, 1))

    @staticmethod
    def keep_inputs(caches: list[dict], inputs: torch.Tensor) -> None:
        """Beam search with one encoder output per input (grouped cross-attention): keep the
        cross-attention keys/values of ``inputs`` only (the ones still being decoded)."""
        for c in caches:
            if "cross" in c:
                MultiheadAttention.reorder_cache(c["cross"], inputs)

    @staticmethod
    def reorder_caches(caches: list[dict], order: torch.Tensor, cross: bool = True) -> None:
        """Follow the surviving beams. ``cross=False`` leaves the cross-attention keys alone,
        valid when every row attends to the same encoder output (one input per search)."""
        for c in caches:
            for name, part in c.items():
                if name == "cross" and not cross:
                    continue
                MultiheadAttention.reorder_cache(part, order)

    def log_probs(self, logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        return F.log_softmax(logits.float() / temperature, dim=-1)
