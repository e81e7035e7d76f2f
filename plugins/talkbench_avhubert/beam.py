"""Beam search as avhubert/sequence_generator.py (fairseq's SequenceGenerator): one input
(``beam_search``) or several decoded together (``beam_search_batch``, same hypotheses per clip).

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


def _step_log_probs(decoder, prefix, enc, mask, caches, temperature, pad, unk, unkpen) -> torch.Tensor:
    """The next token's log-probs for every row, masked as the reference masks them: NaN and
    pad are -inf, unk pays ``unkpen``."""
    lprobs = decoder.log_probs(decoder(prefix, enc, mask, caches)[:, -1, :], temperature)
    lprobs[lprobs != lprobs] = -math.inf
    lprobs[:, pad] = -math.inf
    lprobs[:, unk] -= unkpen
    return lprobs


def _finished(tokens, scores, rows, done_scores, step, eos, lenpen) -> list[dict[str, Any]]:
    """Hypotheses for the beams ``rows`` that end in EOS at ``step``: their tokens, the
    length-normalised score and the per-token (positional) scores, in candidate order."""
    toks = tokens.index_select(0, rows)[:, 1: step + 2].clone()
    toks[:, step] = eos
    pos = scores.index_select(0, rows)[:, : step + 1].clone()
    pos[:, step] = done_scores
    pos[:, 1:] = pos[:, 1:] - pos[:, :-1]
    norm = done_scores / (step + 1) ** lenpen
    return [{"tokens": toks[i], "score": float(norm[i]), "positional_scores": pos[i]} for i in range(rows.numel())]


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
    # the K beams share the one encoder output (grouped cross-attention: keys/values once)
    enc, mask = enc_out, enc_mask
    tokens = torch.full((K, max_len + 2), pad, dtype=torch.long, device=dev)
    tokens[:, 0] = eos
    scores = torch.zeros(K, max_len + 1, device=dev)
    caches: list[dict] = [{} for _ in decoder.layers]
    finalized: list[dict[str, Any]] = []
    ignore = torch.zeros(K, dtype=torch.bool, device=dev)
    cand_offsets = torch.arange(2 * K, device=dev)
    for step in range(max_len + 1):
        lprobs = _step_log_probs(decoder, tokens[:, : step + 1], enc, mask, caches, temperature, pad, unk, unkpen)
        V = lprobs.shape[1]
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
            hyps = _finished(tokens, scores, done_idx, cand_scores[:K][eos_mask[:K]], step, eos, lenpen)
            finalized.extend(hyps[: max(0, K - len(finalized))])
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


def pad_encoder_outputs(outs: list[torch.Tensor], masks: list[torch.Tensor | None]):
    """Per-clip encoder outputs (T_b, 1, D) → (T_max, B, D) and a (B, T_max) padding mask.

    Padded key positions get -inf in cross-attention, so a clip attends to exactly its own
    frames whatever the batch it is decoded in.
    """
    t_max = max(int(o.shape[0]) for o in outs)
    enc = outs[0].new_zeros(t_max, len(outs), outs[0].shape[2])
    mask = torch.ones(len(outs), t_max, dtype=torch.bool, device=outs[0].device)
    for b, (o, m) in enumerate(zip(outs, masks)):
        enc[: o.shape[0], b] = o[:, 0]
        mask[b, : o.shape[0]] = m[0] if m is not None else False
    return enc, mask


@torch.no_grad()
def beam_search_batch(
    decoder, enc_outs: list[torch.Tensor], enc_masks: list[torch.Tensor | None], src_lens: list[int], *,
    eos: int, pad: int, unk: int, beam: int = 5, max_len_a: float = 1.0, max_len_b: int = 0,
    min_len: int = 1, lenpen: float = 1.0, unkpen: float = 0.0, temperature: float = 1.0,
    max_positions: int | None = None,
) -> list[list[dict[str, Any]]]:
    """:func:`beam_search` for several clips at once: per clip the same steps, the same
    hypotheses (each clip keeps its own max length, finalised list and stop), one decoder call
    per step for all clips' beams. A clip that is done leaves the batch (its rows, caches and
    encoder keys are dropped), as fairseq does."""
    n = len(enc_outs)
    if not (n == len(enc_masks) == len(src_lens)) or n == 0:
        raise ValueError("beam_search_batch: give one encoder output, mask and src_len per clip")
    max_positions = max_positions or decoder.max_target_positions
    max_lens = [min(int(max_len_a * s + max_len_b), max_positions - 1) for s in src_lens]
    if min_len > min(max_lens):
        raise ValueError(f"min_len {min_len} cannot be larger than max_len {min(max_lens)}")
    K = beam
    # one encoder column per clip; decoder rows are clip-major (clip b = rows bK..bK+K-1) and
    # a clip's beams share its column (grouped cross-attention)
    enc, mask = pad_encoder_outputs(enc_outs, enc_masks)
    dev = enc.device
    alive = list(range(n))                                # clip index of each live sentence
    lens = torch.tensor(max_lens, device=dev)
    tokens = torch.full((n * K, max(max_lens) + 2), pad, dtype=torch.long, device=dev)
    tokens[:, 0] = eos
    scores = torch.zeros(n * K, max(max_lens) + 1, device=dev)
    caches: list[dict] = [{} for _ in decoder.layers]
    finalized: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    ignore = torch.zeros(n, K, dtype=torch.bool, device=dev)
    cand_offsets = torch.arange(2 * K, device=dev)
    for step in range(max(max_lens) + 1):
        B = len(alive)
        lprobs = _step_log_probs(decoder, tokens[:, : step + 1], enc, mask, caches, temperature, pad, unk, unkpen)
        V = lprobs.shape[1]
        lprobs = lprobs.view(B, K, V)
        at_max = step >= lens                             # (B,) sentences at their max length
        if bool(at_max.any()):
            keep_eos = lprobs[at_max, :, eos].clone()
            lprobs[at_max] = -math.inf
            lprobs[at_max, :, eos] = keep_eos
        if step < min_len:
            lprobs[~at_max, :, eos] = -math.inf
        if step == 0:
            flat = lprobs[:, 0, :]
        else:
            flat = (lprobs + scores.view(B, K, -1)[:, :, step - 1].unsqueeze(-1)).reshape(B, -1)
        cand_scores, idx = torch.topk(flat, k=min(2 * K, flat.shape[1] - 1), dim=1)
        cand_beams = torch.div(idx, V, rounding_mode="trunc")
        cand_tokens = idx.fmod(V)
        eos_mask = cand_tokens.eq(eos) & cand_scores.ne(-math.inf)
        eos_mask[:, :K][ignore] = False
        done = []
        has_eos = eos_mask[:, :K].any(dim=1).tolist()  # one sync per step, not one per clip
        for b in range(B):
            sel = eos_mask[b, :K]
            if has_eos[b]:
                rows = b * K + cand_beams[b, :K][sel]
                hyps = _finished(tokens, scores, rows, cand_scores[b, :K][sel], step, eos, lenpen)
                fin = finalized[alive[b]]
                fin.extend(hyps[: max(0, K - len(fin))])
            done.append(len(finalized[alive[b]]) >= K or step >= max_lens[alive[b]])
        if all(done):
            break
        if any(done):  # finished clips leave the batch
            keep = torch.tensor([b for b in range(B) if not done[b]], device=dev)
            rows = (keep[:, None] * K + torch.arange(K, device=dev)).reshape(-1)
            alive = [alive[b] for b in keep.tolist()]
            lens, ignore, eos_mask = lens[keep], ignore[keep], eos_mask[keep]
            cand_scores, cand_beams, cand_tokens = cand_scores[keep], cand_beams[keep], cand_tokens[keep]
            tokens, scores, enc, mask = tokens[rows], scores[rows], enc[:, keep], mask[keep]
            decoder.reorder_caches(caches, rows, cross=False)
            decoder.keep_inputs(caches, keep)
            B = len(alive)
        eos_mask[:, :K] = ~((~ignore) & (~eos_mask[:, :K]))
        active_mask = eos_mask.long() * (2 * K) + cand_offsets[: eos_mask.shape[1]]
        new_ignore, active = torch.topk(active_mask, k=K, dim=1, largest=False)
        ignore = new_ignore.ge(2 * K)[:, :K]
        active_rows = (cand_beams.gather(1, active) + torch.arange(B, device=dev)[:, None] * K).reshape(-1)
        tokens[:, : step + 1] = tokens[:, : step + 1].index_select(0, active_rows)
        tokens[:, step + 1] = cand_tokens.gather(1, active).reshape(-1)
        if step > 0:
            scores[:, :step] = scores[:, :step].index_select(0, active_rows)
        scores[:, step] = cand_scores.gather(1, active).reshape(-1)
        # rows move only within their clip, whose beams share one encoder output
        decoder.reorder_caches(caches, active_rows, cross=False)
    out = []
    for fin in finalized:
        order = torch.sort(torch.tensor([h["score"] for h in fin]), descending=True).indices
        out.append([fin[i] for i in order.tolist()])
    return out


@torch.no_grad()
def generate_batch(model, inputs: list[dict[str, Any]], **beam_options) -> list[list[dict[str, Any]]]:
    """Best-first hypotheses for several inputs (dicts with audio/video/padding_mask as for
    ``model.generate``): each clip is encoded alone (no padding enters the encoder), then all
    are decoded together by :func:`beam_search_batch`."""
    outs, masks, src_lens = [], [], []
    for x in inputs:
        enc, mask = model.encode(x.get("audio"), x.get("video"), x.get("padding_mask"))
        outs.append(enc)
        masks.append(mask)
        src_lens.append(source_length(x.get("audio"), x.get("video"), x.get("padding_mask")))
    cfg = model.cfg
    return beam_search_batch(model.decoder, outs, masks, src_lens, eos=cfg.eos_idx, pad=cfg.pad_idx,
                             unk=cfg.unk_idx, **beam_options)
