"""Beam search as avhubert/sequence_generator.py (fairseq's SequenceGenerator) for one input.

Matches the reference step by step: the first step expands beam 0 only, 2×beam candidates by
topk over beam×vocab, hypotheses that end in EOS among the top ``beam`` candidates are
finalised with score / len**lenpen, and the search stops when ``beam`` hypotheses are done.
Maximum length: ``min(int(max_len_a * src_len + max_len_b), max_positions - 1)`` where
``src_len`` copies the reference's quirk (see ``source_length``).
"""

from __future__ import annotations

import math
from typing import Any

import torch


def source_length(audio, video, padding_mask) -> int:
    """The reference's ``src_len``: ``audio.size(1)`` when audio is given (that is the feature
    dimension, 104, not time, because audio is laid out (B, F, T)); otherwise T."""
    if audio is not None:
        return int(audio.shape[1])
    if padding_mask is not None:
        return int(padding_mask.shape[1])
    return int(video.shape[2])


@torch.no_grad()
def beam_search(
    decoder, enc_out: torch.Tensor, enc_mask: torch.Tensor | None, src_len: int, *,
    eos: int, pad: int, unk: int, beam: int = 5, max_len_a: float = 1.0, max_len_b: int = 0,
    min_len: int = 1, lenpen: float = 1.0, unkpen: float = 0.0, temperature: float = 1.0,
    max_positions: int | None = None, progress=None,
) -> list[dict[str, Any]]:
    """Finished hypotheses, best first: {"tokens", "score", "positional_scores"} (tokens end in eos)."""
    if enc_out.shape[1] != 1:
        raise ValueError("beam_search decodes one input at a time (encoder batch must be 1)")
    max_positions = max_positions or decoder.max_target_positions
    max_len = min(int(max_len_a * src_len + max_len_b), max_positions - 1)
    if min_len > max_len:
        raise ValueError(f"min_len {min_len} cannot be larger than max_len {max_len}")
    K, dev = beam, enc_out.device
    enc = enc_out.repeat(1, K, 1)
    mask = enc_mask.repeat(K, 1) if enc_mask is not None else None
    tokens = torch.full((K, max_len + 2), pad, dtype=torch.long, device=dev)
    tokens[:, 0] = eos
    scores = torch.zeros(K, max_len + 1, device=dev)
    caches: list[dict] = [{} for _ in decoder.layers]
    finalized: list[dict[str, Any]] = []
    ignore = torch.zeros(K, dtype=torch.bool, device=dev)
    cand_offsets = torch.arange(2 * K, device=dev)
    for step in range(max_len + 1):
        logits = decoder(tokens[:, : step + 1], enc, mask, caches)[:, -1, :]
        lprobs = decoder.log_probs(logits, temperature)
        V = lprobs.shape[1]
        lprobs[lprobs != lprobs] = -math.inf
        lprobs[:, pad] = -math.inf
        lprobs[:, unk] -= unkpen
        if step >= max_len:
            lprobs[:, :eos] = -math.inf
            lprobs[:, eos + 1:] = -math.inf
        elif step < min_len:
            lprobs[:, eos] = -math.inf
        if step == 0:
            flat = lprobs[:1]  # all beams are identical at the start
        else:
            flat = lprobs + scores[:, step - 1].unsqueeze(-1)
        flat = flat.reshape(1, -1)
        cand_scores, idx = torch.topk(flat, k=min(2 * K, flat.shape[1] - 1))
        cand_scores, idx = cand_scores[0], idx[0]
        cand_beams = torch.div(idx, V, rounding_mode="trunc")
        cand_tokens = idx.fmod(V)
        eos_mask = cand_tokens.eq(eos) & cand_scores.ne(-math.inf)
        eos_mask[:K][ignore] = False
        done_idx = cand_beams[:K][eos_mask[:K]]
        if done_idx.numel() > 0:
            done_scores = cand_scores[:K][eos_mask[:K]]
            toks = tokens.index_select(0, done_idx)[:, 1: step + 2].clone()
            toks[:, step] = eos
            pos = scores.index_select(0, done_idx)[:, : step + 1].clone()
            pos[:, step] = done_scores
            pos[:, 1:] = pos[:, 1:] - pos[:, :-1]
            norm = done_scores / (step + 1) ** lenpen
            for i in range(done_idx.numel()):
                if len(finalized) < K:
                    finalized.append({"tokens": toks[i], "score": float(norm[i]),
                                      "positional_scores": pos[i]})
        if progress is not None:
            progress(step, max_len)
        if len(finalized) >= K or step >= max_len:
            break
        # keep the best K candidates that did not just end (eos ones sort last)
        eos_mask[:K] = ~((~ignore) & (~eos_mask[:K]))
        active_mask = eos_mask.long() * (2 * K) + cand_offsets[: eos_mask.shape[0]]
        new_ignore, active = torch.topk(active_mask, k=K, largest=False)
        ignore = new_ignore.ge(2 * K)[:K]
        active_beams = cand_beams.gather(0, active)
        tokens[:, : step + 1] = tokens[:, : step + 1].index_select(0, active_beams)
        tokens[:, step + 1] = cand_tokens.gather(0, active)
        if step > 0:
            scores[:, :step] = scores[:, :step].index_select(0, active_beams)
        scores[:, step] = cand_scores.gather(0, active)
        # one input: all beams share the encoder output, so only self-attention caches move
        decoder.reorder_caches(caches, active_beams, cross=False)
    order = torch.sort(torch.tensor([h["score"] for h in finalized]), descending=True).indices
    return [finalized[i] for i in order.tolist()]
