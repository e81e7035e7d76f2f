"""Batched beam search over clips gives each clip the hypotheses of its own per-clip search."""

from __future__ import annotations

import pytest
import torch

from talkbench_avhubert.beam import beam_search_batch, generate_batch, pad_encoder_outputs

#: eight clips of different lengths cut from the fixture video (75 frames): padding in the batch
LENGTHS = (75, 70, 64, 58, 51, 45, 38, 30)
BEAM = dict(beam=4, max_len_a=1.0, max_len_b=0, min_len=1, lenpen=1.0)


def _inputs(video, lengths=LENGTHS):
    return [{"video": video[:, :, :t].contiguous(), "padding_mask": torch.zeros(1, t, dtype=torch.bool)}
            for t in lengths]


def test_batch_of_eight_equals_per_clip_beam(avh_model, avh_tensors):
    inputs = _inputs(avh_tensors["video"][1])
    per_clip = [avh_model.generate(video=x["video"], padding_mask=x["padding_mask"], **BEAM) for x in inputs]
    batched = generate_batch(avh_model, inputs, **BEAM)
    assert len(batched) == len(per_clip) == 8
    for t, ours, ref in zip(LENGTHS, batched, per_clip):
        assert len(ours) == len(ref) == 4
        assert len(ref[0]["tokens"]) <= t + 1  # each clip kept its own max length (src_len = T)
        for h, r in zip(ours, ref):
            assert h["tokens"].tolist() == r["tokens"].tolist()
            assert h["score"] == pytest.approx(r["score"], abs=1e-5)
            # cumulative sums in another order: PROTOCOL.md allows 1e-4 on positional scores
            torch.testing.assert_close(h["positional_scores"], r["positional_scores"], rtol=0, atol=1e-4)


def test_clip_order_in_the_batch_does_not_matter(avh_model, avh_tensors):
    video = avh_tensors["video"][1]
    fwd = generate_batch(avh_model, _inputs(video, (30, 75, 51)), **BEAM)
    rev = generate_batch(avh_model, _inputs(video, (51, 75, 30)), **BEAM)
    for a, b in zip(fwd, rev[::-1]):
        assert [h["tokens"].tolist() for h in a] == [h["tokens"].tolist() for h in b]


def test_padding_mask_marks_only_the_tail():
    enc, mask = pad_encoder_outputs([torch.ones(3, 1, 2), torch.ones(5, 1, 2)],
                                    [torch.zeros(1, 3, dtype=torch.bool), None])
    assert enc.shape == (5, 2, 2) and enc[3:, 0].abs().sum() == 0
    assert mask.tolist() == [[False] * 3 + [True] * 2, [False] * 5]


def test_mismatched_inputs_are_an_error(avh_model):
    with pytest.raises(ValueError, match="one encoder output, mask and src_len per clip"):
        beam_search_batch(avh_model.decoder, [torch.zeros(3, 1, 8)], [], [3], eos=2, pad=1, unk=3)


def test_grouped_cross_attention_equals_repeated_keys():
    """Beams share their input's encoder keys/values: the grouped product gives what attending
    to a per-beam copy of the keys gives (padding masked per input)."""
    import torch

    from talkbench_avhubert.attention import MultiheadAttention

    torch.manual_seed(0)
    att = MultiheadAttention(32, 4).eval()
    inputs, beams, S = 3, 5, 11
    enc = torch.randn(S, inputs, 32)
    pad = torch.zeros(inputs, S, dtype=torch.bool)
    pad[1, 8:] = True  # input 1 is shorter
    query = torch.randn(1, inputs * beams, 32)
    with torch.no_grad():
        grouped = att(query, enc, key_padding_mask=pad, cache={}, static_kv=True)
        repeated = att(query, enc.repeat_interleave(beams, dim=1), key_padding_mask=pad.repeat_interleave(beams, 0),
                       cache={}, static_kv=True)
        with pytest.raises(ValueError, match="7 query rows for 3 encoder outputs"):
            att(query[:, :7], enc, key_padding_mask=pad, cache={}, static_kv=True)
    assert grouped.shape == (1, 15, 32)
    torch.testing.assert_close(grouped, repeated, rtol=0, atol=1e-6)
