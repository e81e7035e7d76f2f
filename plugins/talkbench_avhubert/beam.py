"""Beam search as avhubert/sequence_generator.py (fairseq's SequenceGenerator): one input
(``beam_search``) or several decoded together (``beam_search_batch``, same hypotheses per clip).

Matches the reference step by step: the first step expands beam 0 only, 2×beam candidates by
topk over beam×vocab, hypotheses that end in EOS among the top ``beam`` candidates are
finalised with score / len**lenpen, and the search stops when ``beam`` hypotheses are done.
Maximum length: ``min(int(max_len_a * src_len + max_len_b), max_positions - 1)`` where
``src_len`` copies the reference's quirk (see ``source_length``).

Both searches run the decoder through ``step_decoder.StepDecoder`` (prepacked GEMMs, a cache
that is never moved). Its GEMMs are batch-invariant, so a clip decoded alone or with others
sees the same numbers; on the calibration fixture (bench_beam_batch.py, batch 8, one core)
the batched beam is 2.3–3× the per-clip beam's clips/s at beam 5 and ~1.25× at beam 50 (there the
per-clip search already has 50 rows, and attention over the cache, a per-row cost, dominates).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from talkbench_avhubert.step_decoder import StepDecoder


def source_length(audio, video, padding_mask) -> int:
    """The reference's ``src_len``: ``audio.size(1)`` when audio is given (that is the feature
    dimension, 104, not time, because audio is laid out (B, F, T)); otherwise T."""
    if audio is not None:
        return int(audio.shape[1])
    if padding_mask is not None:
        return int(padding_mask.shape[1])
    return int(video.shape[2])


def _log_probs(logits, temperature, pad, unk, unkpen) -> torch.Tensor:
    """The next token's log-probs for every row, masked as the reference masks them: NaN and
    pad are -inf, unk pays ``unkpen``. (x / 1.0 and x - 0.0 are exact, so they are skipped.)"""
    if temperature != 1.0:
        logits = logits.float() / temperature
    lprobs = F.log_softmax(logits.float(), dim=-1)
    lprobs.masked_fill_(lprobs.isnan(), -math.inf)
    lprobs[:, pad] = -math.inf
    if unkpen:
        lprobs[:, unk] -= unkpen
    return lprobs


def _finished(tokens, scores, rows, done_scores, step, eos, lenpen) -> list[dict[str, Any]]:
    """Hypotheses for the beams ``rows`` that end in EOS at ``step``: their tokens, the
    length-normalised score and the per-token (positional) scores, in candidate order."""
    toks = tokens.index_select(0, rows)[:, 1: step + 2]
    toks[:, step] = eos
    pos = scores.index_select(0, rows)[:, : step + 1]
    pos[:, step] = done_scores
    pos[:, 1:] = pos[:, 1:] - pos[:, :-1]
    norm = (done_scores / (step + 1) ** lenpen).tolist()
    return [{"tokens": toks[i], "score": norm[i], "positional_scores": pos[i]} for i in range(len(norm))]


def _max_len(src_len: int, max_len_a: float, max_len_b: int, max_positions: int) -> int:
    return min(int(max_len_a * src_len + max_len_b), max_positions - 1)


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
    max_len = _max_len(src_len, max_len_a, max_len_b, max_positions or decoder.max_target_positions)
    if min_len > max_len:
        raise ValueError(f"min_len {min_len} cannot be larger than max_len {max_len}")
    K, dev = beam, enc_out.device
    tokens = torch.full((K, max_len + 2), pad, dtype=torch.long, device=dev)
    tokens[:, 0] = eos
    scores = torch.zeros(K, max_len + 1, device=dev)
    # the K beams share the one encoder output (grouped cross-attention: keys/values once)
    stepper = StepDecoder(decoder, enc_out, enc_mask, K, max_len + 1)
    finalized: list[dict[str, Any]] = []
    ignore = torch.zeros(K, dtype=torch.bool, device=dev)
    cand_offsets = torch.arange(2 * K, device=dev)
    for step in range(max_len + 1):
        lprobs = _log_probs(stepper.logits(tokens[:, step], step + 1), temperature, pad, unk, unkpen)
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
        sel = eos_mask[:K]
        if bool(sel.any()):
            hyps = _finished(tokens, scores, cand_beams[:K][sel], cand_scores[:K][sel], step, eos, lenpen)
            finalized.extend(hyps[: max(0, K - len(finalized))])
        if progress is not None:
            progress(step, max_len)
        if len(finalized) >= K or step >= max_len:
            break
        # keep the best K candidates that did not just end (eos ones sort last)
        eos_mask[:K] = ~((~ignore) & (~sel))
        active_mask = eos_mask.long() * (2 * K) + cand_offsets[: eos_mask.shape[0]]
        new_ignore, active = torch.topk(active_mask, k=K, largest=False)
        ignore = new_ignore.ge(2 * K)[:K]
        active_beams = cand_beams.gather(0, active)
        tokens = tokens.index_select(0, active_beams)
        tokens[:, step + 1] = cand_tokens.gather(0, active)
        scores = scores.index_select(0, active_beams)
        scores[:, step] = cand_scores.gather(0, active)
        # one input: all beams share the encoder output, so only self-attention caches move
        stepper.reorder(active_beams)
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
    max_lens = [_max_len(s, max_len_a, max_len_b, max_positions) for s in src_lens]
    if min_len > min(max_lens):
        raise ValueError(f"min_len {min_len} cannot be larger than max_len {min(max_lens)}")
    K = beam
    # one encoder column per clip; decoder rows are clip-major (clip b = rows bK..bK+K-1) and
    # a clip's beams share its column (grouped cross-attention)
    enc, mask = pad_encoder_outputs(enc_outs, enc_masks)
    dev = enc.device
    alive = list(range(n))                                # clip index of each live sentence
    lens = list(max_lens)                                 # max length of each live sentence
    tokens = torch.full((n * K, max(max_lens) + 2), pad, dtype=torch.long, device=dev)
    tokens[:, 0] = eos
    scores = torch.zeros(n * K, max(max_lens) + 1, device=dev)
    stepper = StepDecoder(decoder, enc, mask, n * K, max(max_lens) + 1)
    finalized: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    ignore = torch.zeros(n, K, dtype=torch.bool, device=dev)
    cand_offsets = torch.arange(2 * K, device=dev)
    row_base = torch.arange(n, device=dev)[:, None] * K   # first row of each live sentence
    for step in range(max(max_lens) + 1):
        B = len(alive)
        lprobs = _log_probs(stepper.logits(tokens[:, step], step + 1), temperature, pad, unk, unkpen)
        V = lprobs.shape[1]
        lprobs = lprobs.view(B, K, V)
        at_max = [b for b in range(B) if step >= lens[b]]  # sentences at their max length
        if at_max:
            at = torch.tensor(at_max, device=dev)
            keep_eos = lprobs[at, :, eos].clone()
            lprobs[at] = -math.inf
            lprobs[at, :, eos] = keep_eos
        if step < min_len:
            if not at_max:
                lprobs[:, :, eos] = -math.inf
            else:
                lprobs[torch.tensor([b for b in range(B) if step < lens[b]], device=dev), :, eos] = -math.inf
        if step == 0:
            flat = lprobs[:, 0, :]
        else:
            flat = (lprobs + scores.view(B, K, -1)[:, :, step - 1].unsqueeze(-1)).reshape(B, -1)
        cand_scores, idx = torch.topk(flat, k=min(2 * K, flat.shape[1] - 1), dim=1)
        cand_beams = torch.div(idx, V, rounding_mode="trunc")
        cand_tokens = idx.fmod(V)
        eos_mask = cand_tokens.eq(eos) & cand_scores.ne(-math.inf)
        eos_mask[:, :K][ignore] = False
        sel = eos_mask[:, :K]
        # every clip's finished candidates in one gather (row-major: clip, then candidate order)
        done_b, done_j = sel.nonzero(as_tuple=True)
        if done_b.numel():
            hyps = _finished(tokens, scores, done_b * K + cand_beams[done_b, done_j],
                             cand_scores[done_b, done_j], step, eos, lenpen)
            for b, h in zip(done_b.tolist(), hyps):
                fin = finalized[alive[b]]
                if len(fin) < K:
                    fin.append(h)
        done = [len(finalized[alive[b]]) >= K or step >= lens[b] for b in range(B)]
        if all(done):
            break
        if any(done):  # finished clips leave the batch
            keep = [b for b in range(B) if not done[b]]
            kept = torch.tensor(keep, device=dev)
            alive, lens = [alive[b] for b in keep], [lens[b] for b in keep]
            ignore, eos_mask = ignore[kept], eos_mask[kept]
            cand_scores, cand_beams, cand_tokens = cand_scores[kept], cand_beams[kept], cand_tokens[kept]
            stepper.keep_inputs(kept)
            base = kept[:, None] * K                      # their rows before they move
            row_base = torch.arange(len(keep), device=dev)[:, None] * K
        else:
            base = row_base
        eos_mask[:, :K] = ~((~ignore) & (~eos_mask[:, :K]))
        active_mask = eos_mask.long() * (2 * K) + cand_offsets[: eos_mask.shape[1]]
        new_ignore, active = torch.topk(active_mask, k=K, dim=1, largest=False)
        ignore = new_ignore.ge(2 * K)[:, :K]
        # rows move only within their clip (whose beams share one encoder output); when clips
        # left, this also drops their rows
        active_rows = (cand_beams.gather(1, active) + base).reshape(-1)
        tokens = tokens.index_select(0, active_rows)
        tokens[:, step + 1] = cand_tokens.gather(1, active).reshape(-1)
        scores = scores.index_select(0, active_rows)
        scores[:, step] = cand_scores.gather(1, active).reshape(-1)
        stepper.reorder(active_rows)
    out = []
    for fin in finalized:
        order = torch.sort(torch.tensor([h["score"] for h in fin]), descending=True).indices
        out.append([fin[i] for i in order.tolist()])
    return out


def video_features_batch(model, inputs: list[dict[str, Any]]) -> list[torch.Tensor | None]:
    """The video front-end (ResNet) of all inputs that have video, in one batched trunk call
    when their frames are of one size, dtype and device; None for inputs without video."""
    videos = [x.get("video") for x in inputs]
    have = [v for v in videos if v is not None]
    if not have or len({(tuple(v.shape[3:]), v.dtype, v.device) for v in have}) != 1:
        return [None] * len(inputs)
    feats = iter(model.encoder.video_features(have))
    return [next(feats) if v is not None else None for v in videos]


@torch.no_grad()
def generate_batch(model, inputs: list[dict[str, Any]], *, batch_frontend: bool = True,
                   **beam_options) -> list[list[dict[str, Any]]]:
    """Best-first hypotheses for several inputs (dicts with audio/video/padding_mask as for
    ``model.generate``): the video front-end runs once for the frames of all clips
    (``batch_frontend``; the 3D stem per clip, see ``ResEncoder.forward_clips``), the
    transformer encoder per clip (no padding enters it), then all are decoded together by
    :func:`beam_search_batch`."""
    feats = video_features_batch(model, inputs) if batch_frontend else [None] * len(inputs)
    outs, masks, src_lens = [], [], []
    for x, f in zip(inputs, feats):
        enc, mask = model.encode(x.get("audio"), x.get("video"), x.get("padding_mask"), video_feats=f)
        outs.append(enc)
        masks.append(mask)
        src_lens.append(source_length(x.get("audio"), x.get("video"), x.get("padding_mask")))
    cfg = model.cfg
    return beam_search_batch(model.decoder, outs, masks, src_lens, eos=cfg.eos_idx, pad=cfg.pad_idx,
                             unk=cfg.unk_idx, **beam_options)
