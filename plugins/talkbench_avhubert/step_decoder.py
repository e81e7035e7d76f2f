"""Incremental decoding for beam search: one new token per row per step, without module calls.

The arithmetic of ``TransformerDecoder.forward`` with caches (the readable path, which
tests/avhubert/test_step_decoder.py compares this to), arranged for small per-step batches:

- the GEMMs run with prepacked weights (``packed_linear``), built once per weight version and
  cached on the decoder; self-attention's q/k/v are one GEMM on weights concatenated from
  ``q_proj``/``k_proj``/``v_proj`` (the state dict keeps the official names; the packed copy is
  rebuilt whenever a parameter changes: new tensor or in-place write), fc1 carries its ReLU;
- activations stay 2-D (rows, D);
- self-attention keys/values are written once and never moved: following the surviving beams
  moves a (steps × rows) table of ancestor slots, and each layer gathers its rows' history just
  before its attention reads it (measured against moving every layer's cache each step into a
  second buffer: beam 5, batch 8 271 → 214 ms; beam 50 1404 → 1289 ms; same numbers);
- the beams of an input share its cross-attention keys/values (grouped query, as
  ``MultiheadAttention._grouped_query``).

Memory: the packed copy duplicates the decoder's GEMM weights (the large lip reader: ~0.5 GB in
float32) while the model lives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from talkbench_avhubert.packed_linear import linear_fn

Linear = Callable[[torch.Tensor], torch.Tensor]
#: cache length when the search does not say, and the most allocated up front (it doubles)
INITIAL_STEPS, MAX_INITIAL_STEPS = 64, 256


@dataclass(frozen=True)
class _Layer:
    qkv: Linear
    self_out: Linear
    cross_q: Linear
    cross_out: Linear
    fc1: Linear
    fc2: Linear
    norms: tuple          # (weight, bias, eps) for self-attention, cross-attention, FFN
    relu_fused: bool
    act: Callable


@dataclass(frozen=True)
class StepWeights:
    layers: tuple
    final_norm: tuple | None
    out: Linear
    q_scale: float        # 1.0 when the scale is folded into the q weights (exact: power of 2)


def _norm(ln) -> tuple:
    return (ln.weight.detach(), ln.bias.detach(), ln.eps)


def _scale_exact(scale: float) -> bool:
    return math.frexp(scale)[0] == 0.5  # a power of two: folding it into weights is exact


def build_step_weights(decoder) -> StepWeights:
    first = decoder.layers[0].self_attn
    scale = first.head_dim ** -0.5
    fold = _scale_exact(scale)
    s = scale if fold else 1.0
    layers = []
    for layer in decoder.layers:
        sa, ca = layer.self_attn, layer.encoder_attn
        w = torch.cat([sa.q_proj.weight * s, sa.k_proj.weight, sa.v_proj.weight])
        b = torch.cat([sa.q_proj.bias * s, sa.k_proj.bias, sa.v_proj.bias])
        relu = layer.act is F.relu
        layers.append(_Layer(
            qkv=linear_fn(w, b), self_out=linear_fn(sa.out_proj.weight, sa.out_proj.bias),
            cross_q=linear_fn(ca.q_proj.weight * s, ca.q_proj.bias * s),
            cross_out=linear_fn(ca.out_proj.weight, ca.out_proj.bias),
            fc1=linear_fn(layer.fc1.weight, layer.fc1.bias, relu=relu),
            fc2=linear_fn(layer.fc2.weight, layer.fc2.bias),
            norms=(_norm(layer.self_attn_layer_norm), _norm(layer.encoder_attn_layer_norm),
                   _norm(layer.final_layer_norm)),
            relu_fused=relu, act=layer.act))
    out_w = decoder.embed_tokens.weight if decoder.share else decoder.embed_out
    final = _norm(decoder.layer_norm) if decoder.layer_norm is not None else None
    return StepWeights(tuple(layers), final, linear_fn(out_w, None), 1.0 if fold else scale)


def step_weights(decoder) -> StepWeights:
    """The decoder's packed weights, rebuilt when any parameter is a new tensor or was written."""
    key = tuple((p.data_ptr(), p._version, p.dtype, p.device) for p in decoder.parameters())
    cached = decoder.__dict__.get("_step_weights")
    if cached is None or cached[0] != key:
        with torch.no_grad():
            cached = (key, build_step_weights(decoder))
        decoder.__dict__["_step_weights"] = cached  # not a buffer: never in the state dict
    return cached[1]


class StepDecoder:
    """State of one beam search: rows are input-major (input b owns rows bG..bG+G-1)."""

    def __init__(self, decoder, enc: torch.Tensor, enc_mask: torch.Tensor | None, rows: int,
                 max_steps: int | None = None) -> None:
        """``enc`` (S, inputs, D) and ``enc_mask`` (inputs, S) or None; ``rows`` = inputs × beams;
        ``max_steps``: the most tokens a row will get (sizes the cache; it grows if exceeded)."""
        self.decoder = decoder
        self.w = step_weights(decoder)
        attn = decoder.layers[0].self_attn
        self.H, self.d, self.D = attn.num_heads, attn.head_dim, attn.embed_dim
        self.pre = decoder.layers[0].pre
        with torch.no_grad():
            # cross-attention keys (transposed, contiguous: (inputs, H, d, S)) and values
            # (inputs, H, S, d), once per input
            self.cross = [(k.transpose(-1, -2).contiguous(), v) for k, v in
                          (layer.encoder_attn.project_kv(enc) for layer in decoder.layers)]
        self.mask_bias = None
        if enc_mask is not None and bool(enc_mask.any()):
            bias = torch.zeros(enc_mask.shape, dtype=enc.dtype, device=enc.device)
            self.mask_bias = bias.masked_fill(enc_mask, -math.inf)[:, None, None, :]
        self.rows, self.n = rows, 0
        self.dtype, self.device = enc.dtype, enc.device
        self.cap = min(max_steps or INITIAL_STEPS, MAX_INITIAL_STEPS)
        self._alloc(self.cap, rows)

    # ---- self-attention cache, never moved: keys/values of step t, row r sit at slot (t, r) of
    # one buffer (2 × layers, capacity, first row count, H, d); slab 2l = keys, 2l+1 = values.
    # ``anc[t, r]`` is the slot at step t of row r's ancestor, so following the surviving beams
    # moves (steps × rows) indices instead of every layer's keys and values, and each layer
    # gathers its rows' history right before its attention reads it (while it is in the cache).
    # Allocated once (grown by doubling): fresh large tensors cost page faults at first touch
    # (measured: a 6 MB copy into new memory took ~4 ms instead of ~0.2).
    def _alloc(self, cap: int, rows: int) -> None:
        L2 = 2 * len(self.w.layers)
        self.store = torch.empty(L2, cap, rows, self.H, self.d, dtype=self.dtype, device=self.device)
        self.anc = torch.empty(cap, rows, dtype=torch.long, device=self.device)
        self._gathered = torch.empty(2 * cap * rows * self.D, dtype=self.dtype, device=self.device)
        self._times = torch.arange(cap, device=self.device)[:, None] * rows

    def _grow(self) -> None:
        store, anc, n = self.store, self.anc, self.n
        self.cap *= 2
        self._alloc(self.cap, store.shape[2])
        self.store[:, :n] = store[:, :n]
        self.anc[:n] = anc[:n]

    def reorder(self, order: torch.Tensor) -> None:
        """Rows follow ``order`` (surviving beams, or fewer rows when inputs leave)."""
        n = self.n
        moved = self.anc[:n, : self.rows].index_select(1, order)
        self.rows = order.numel()
        self.anc[:n, : self.rows] = moved

    def keep_inputs(self, inputs: torch.Tensor) -> None:
        """Keep the cross-attention keys/values of ``inputs`` only (the ones still decoding)."""
        self.cross = [(k.index_select(0, inputs), v.index_select(0, inputs)) for k, v in self.cross]
        if self.mask_bias is not None:
            self.mask_bias = self.mask_bias.index_select(0, inputs)

    # ---- one step
    def _block(self, x, norm, fn):
        if self.pre:
            return x + fn(F.layer_norm(x, (self.D,), *norm))
        return F.layer_norm(x + fn(x), (self.D,), *norm)

    def _self_attn(self, h, layer: _Layer, slab: int) -> torch.Tensor:
        R, H, d, D, n = h.shape[0], self.H, self.d, self.D, self.n
        qkv = layer.qkv(h)
        q = qkv[:, :D]
        if self.w.q_scale != 1.0:
            q = q * self.w.q_scale
        # this step's keys and values into their slots, both in one copy
        self.store[slab: slab + 2, n, :R].copy_(qkv[:, D:].view(R, 2, H, d).transpose(0, 1))
        # every row's history (n+1 steps) of this layer's keys and values, in one gather
        src = self.store[slab: slab + 2].view(2, -1, D)
        kv = self._gathered[: 2 * (n + 1) * R * D].view(2, (n + 1) * R, D)
        torch.index_select(src, 1, self._index, out=kv)
        k = kv[0].view(n + 1, R, H, d).permute(1, 2, 3, 0)        # (R, H, d, n+1)
        v = kv[1].view(n + 1, R, H, d).permute(1, 2, 0, 3)        # (R, H, n+1, d)
        w = torch.matmul(q.view(R, H, 1, d), k)                   # (R, H, 1, n+1)
        a = torch.matmul(torch.softmax(w, dim=-1), v)             # (R, H, 1, d)
        return layer.self_out(a.view(R, D))

    def _cross_attn(self, h, layer: _Layer, i: int) -> torch.Tensor:
        R, H, d, D = h.shape[0], self.H, self.d, self.D
        kt, v = self.cross[i]                                     # (inputs, H, d, S), (inputs, H, S, d)
        q = layer.cross_q(h)
        if self.w.q_scale != 1.0:
            q = q * self.w.q_scale
        g = R // kt.shape[0]
        qg = q.view(kt.shape[0], g, H, d).transpose(1, 2)         # (inputs, H, G, d)
        w = torch.matmul(qg, kt)                                  # (inputs, H, G, S)
        if self.mask_bias is not None:
            w = w + self.mask_bias
        a = torch.matmul(torch.softmax(w, dim=-1), v)             # (inputs, H, G, d)
        return layer.cross_out(a.transpose(1, 2).reshape(R, D))

    def _ffn(self, h, layer: _Layer) -> torch.Tensor:
        return layer.fc2(layer.fc1(h) if layer.relu_fused else layer.act(layer.fc1(h)))

    def logits(self, last_tokens: torch.Tensor, length: int) -> torch.Tensor:
        """Logits (rows, V) of the next token, given each row's newest token (rows,) and the
        prefix length so far (positions as the decoder: pad + length)."""
        dec = self.decoder
        if last_tokens.shape[0] != self.rows:
            raise ValueError(f"step decoder: {last_tokens.shape[0]} tokens for {self.rows} rows")
        if self.n >= self.cap:
            self._grow()
        n, R = self.n, self.rows
        self.anc[n, :R] = torch.arange(R, device=self.device)
        # slot of row r's ancestor at each step t, flat (t-major), shared by all layers
        self._index = (self._times[: n + 1] + self.anc[: n + 1, :R]).view(-1)
        x = dec.embed_tokens.weight[last_tokens]
        if dec.embed_scale != 1.0:
            x = dec.embed_scale * x
        if dec.padding_idx + length >= dec.pos_table.shape[0]:
            dec.positions(last_tokens.new_zeros(1, length), incremental=True)  # grows the table
        x = x + dec.pos_table[dec.padding_idx + length]
        for i, layer in enumerate(self.w.layers):
            n_self, n_cross, n_ffn = layer.norms
            x = self._block(x, n_self, lambda h: self._self_attn(h, layer, 2 * i))
            x = self._block(x, n_cross, lambda h: self._cross_attn(h, layer, i))
            x = self._block(x, n_ffn, lambda h: self._ffn(h, layer))
        self.n += 1
        if self.w.final_norm is not None:
            x = F.layer_norm(x, (self.D,), *self.w.final_norm)
        return self.w.out(x)
