"""Multi-head attention with fairseq's parameter names (q_proj/k_proj/v_proj/out_proj).

Supports the three uses AV-HuBERT has: encoder self-attention, causal decoder self-attention
with an incremental key/value cache, and decoder cross-attention whose projected encoder
keys/values are computed once per utterance and reused at every beam step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim: int, num_heads: int, kdim: int | None = None,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = dropout  # on the attention weights, while training
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by {num_heads} heads")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        kdim = kdim or embed_dim
        self.k_proj = nn.Linear(kdim, embed_dim)
        self.v_proj = nn.Linear(kdim, embed_dim)
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        # (L, B, D) -> (B, H, L, d)
        L, B, _ = x.shape
        return x.reshape(L, B, self.num_heads, self.head_dim).permute(1, 2, 0, 3)

    def project_kv(self, key: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._heads(self.k_proj(key)), self._heads(self.v_proj(key))

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor | None = None,
        key_padding_mask: torch.Tensor | None = None,
        causal: bool = False,
        cache: dict | None = None,
        static_kv: bool = False,
    ) -> torch.Tensor:
        """``query`` (L, B, D); ``key`` (S, B, Dk) or None for self-attention; returns (L, B, D).

        ``cache`` (a dict owned by the caller) keeps past keys/values: appended to for
        self-attention, filled once and reused when ``static_kv`` (cross-attention).
        """
        key = query if key is None else key
        q = self._heads(self.q_proj(query))
        if cache is not None and static_kv:
            if "k" not in cache:
                cache["k"], cache["v"] = self.project_kv(key)
            k, v = cache["k"], cache["v"]
        else:
            if cache is not None:
                k, v = self._append(cache, self.k_proj(key), self.v_proj(key))
            else:
                k, v = self.project_kv(key)
        if q.shape[2] == 1 and not self.training:
            if static_kv and k.shape[0] != q.shape[0]:
                return self._grouped_query(q, k, v, key_padding_mask, query.shape[1])
            return self._one_query(q, k, v, key_padding_mask, query.shape[1])
        mask = None
        if key_padding_mask is not None and key_padding_mask.any():
            # True = padded; broadcast over heads and query positions
            mask = torch.zeros(key_padding_mask.shape, dtype=q.dtype, device=q.device)
            mask = mask.masked_fill(key_padding_mask, float("-inf"))[:, None, None, :]
        if causal and cache is None and q.shape[2] > 1:
            L = q.shape[2]
            fut = torch.triu(torch.full((L, L), float("-inf"), device=q.device, dtype=q.dtype), 1)
            mask = fut if mask is None else mask + fut
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                             dropout_p=self.dropout if self.training else 0.0)
        L, B = query.shape[0], query.shape[1]
        out = out.permute(2, 0, 1, 3).reshape(L, B, self.embed_dim)
        return self.out_proj(out)

    def _append(self, cache: dict, k_new: torch.Tensor, v_new: torch.Tensor):
        """Write this step's keys/values (L, B, D) into the self-attention cache and return all
        of them as (B, H, n, d) views. The cache is a preallocated time-major buffer
        (capacity, B, H, d) grown by doubling, so a step writes L rows instead of copying the
        whole past (torch.cat) and the filled part ``buf[:n]`` stays contiguous (cheap reorder)."""
        L, B, _ = k_new.shape
        n = cache.get("n", 0)
        if "kbuf" not in cache or cache["kbuf"].shape[0] < n + L:
            cap = max(16, 2 * (n + L))
            for name in ("kbuf", "vbuf"):
                buf = k_new.new_empty(cap, B, self.num_heads, self.head_dim)
                if n:
                    buf[:n] = cache[name][:n]
                cache[name] = buf
        cache["kbuf"][n: n + L] = k_new.view(L, B, self.num_heads, self.head_dim)
        cache["vbuf"][n: n + L] = v_new.view(L, B, self.num_heads, self.head_dim)
        cache["n"] = n + L
        return (cache["kbuf"][: n + L].permute(1, 2, 0, 3),
                cache["vbuf"][: n + L].permute(1, 2, 0, 3))

    @staticmethod
    def reorder_cache(cache: dict, order: torch.Tensor) -> None:
        """Rows of a cache follow ``order`` (surviving beams; fewer rows when clips leave)."""
        if "kbuf" in cache:  # self-attention buffer: batch is dim 1, only the filled part moves
            n = cache["n"]
            for name in ("kbuf", "vbuf"):
                old = cache[name]
                new = old.new_empty(old.shape[0], order.numel(), *old.shape[2:])
                torch.index_select(old[:n], 1, order, out=new[:n])
                cache[name] = new
        for name in ("k", "v"):  # cross-attention keys/values (B, H, S, d)
            if name in cache:
                cache[name] = cache[name].index_select(0, order)

    def _grouped_query(self, q, k, v, key_padding_mask, batch: int) -> torch.Tensor:
        """Cross-attention of beam search: the G = rows/inputs beams of each input (rows
        input-major: input b owns rows bG..bG+G-1) share that input's encoder keys/values, so
        they are kept once per input and the G queries go through one (G×d)·(d×S) product per
        head instead of G copies of the keys and G (1×d)·(d×S) products. Same arithmetic per
        query row as ``_one_query`` on repeated keys."""
        n = k.shape[0]
        if batch % n:
            raise ValueError(f"cross-attention: {batch} query rows for {n} encoder outputs")
        g = batch // n
        qg = q.reshape(n, g, self.num_heads, self.head_dim).transpose(1, 2)   # (n, H, G, d)
        w = torch.matmul(qg * self.head_dim ** -0.5, k.transpose(-1, -2))    # (n, H, G, S)
        if key_padding_mask is not None:
            w = w.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        out = torch.matmul(torch.softmax(w, dim=-1), v)                      # (n, H, G, d)
        return self.out_proj(out.transpose(1, 2).reshape(1, batch, self.embed_dim))

    def _one_query(self, q, k, v, key_padding_mask, batch: int) -> torch.Tensor:
        """Incremental decoding (one query position): a plain matmul + softmax. Measured ~2x
        faster than scaled_dot_product_attention for (B, H, 1, d) queries on CPU (its dispatch
        and mask handling dominate at this size); the same arithmetic, scale 1/sqrt(d)."""
        w = torch.matmul(q * self.head_dim ** -0.5, k.transpose(-1, -2))   # (B, H, 1, S)
        if key_padding_mask is not None:
            w = w.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        out = torch.matmul(torch.softmax(w, dim=-1), v)                      # (B, H, 1, d)
        return self.out_proj(out.reshape(batch, 1, self.embed_dim).transpose(0, 1))
