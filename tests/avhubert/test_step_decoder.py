"""The beam search's step decoder (prepacked GEMMs, fused q/k/v, one cache for all layers) gives
the logits of the module path (TransformerDecoder with caches), and its packed weights follow
the state dict, whose key names stay the official ones."""

from __future__ import annotations

import copy

import pytest
import torch

from talkbench_avhubert.packed_linear import linear_fn
from talkbench_avhubert.step_decoder import StepDecoder, step_weights


def _encoder_outputs(model, video, lengths):
    outs = []
    with torch.no_grad():
        for t in lengths:
            enc, _ = model.encode(None, video[:, :, :t].contiguous(), torch.zeros(1, t, dtype=torch.bool))
            outs.append(enc)
    return outs


@pytest.mark.parametrize("lengths", [(75,), (75, 51, 30)])
def test_step_logits_equal_the_module_path(avh_model, avh_tensors, lengths):
    """Several steps with rows reordered between them (and, for a batch, inputs leaving)."""
    from talkbench_avhubert.beam import pad_encoder_outputs

    dec, beams = avh_model.decoder, 3
    outs = _encoder_outputs(avh_model, avh_tensors["video"][1], lengths)
    enc, mask = pad_encoder_outputs(outs, [None] * len(outs))
    rows = len(lengths) * beams
    gen = torch.Generator().manual_seed(0)
    tokens = torch.full((rows, 1), 2, dtype=torch.long)
    caches = [{} for _ in dec.layers]
    stepper = StepDecoder(dec, enc, mask, rows, max_steps=4)  # small: the cache must grow
    with torch.no_grad():
        for step in range(7):
            ref = dec(tokens, enc, mask, caches)[:, -1]
            got = stepper.logits(tokens[:, -1], tokens.shape[1])
            assert got.shape == ref.shape == (tokens.shape[0], 100)
            torch.testing.assert_close(got, ref, rtol=0, atol=2e-5 * float(ref.abs().max()))
            # beams move within their input (as the search moves them)
            n_in = tokens.shape[0] // beams
            order = (torch.randint(0, beams, (n_in, beams), generator=gen)
                     + torch.arange(n_in)[:, None] * beams).reshape(-1)
            if step == 3 and n_in > 1:  # the first input leaves the batch
                order = order[beams:]
                dec.keep_inputs(caches, torch.arange(1, n_in))
                stepper.keep_inputs(torch.arange(1, n_in))
                enc, mask = enc[:, 1:], mask[1:]
            dec.reorder_caches(caches, order, cross=False)
            stepper.reorder(order)
            new = torch.randint(4, 100, (order.numel(), 1), generator=gen)
            tokens = torch.cat([tokens[order], new], dim=1)
    assert stepper.cap > 4


def test_packed_linear_is_batch_invariant():
    """A row's output does not depend on how many rows share the call (what lets a clip decoded
    alone and in a batch get the same hypotheses)."""
    torch.manual_seed(0)
    w, b = torch.randn(768, 256), torch.randn(768)
    x = torch.randn(40, 256)
    for relu in (False, True):
        f = linear_fn(w, b, relu=relu)
        full = f(x)
        ref = torch.nn.functional.linear(x, w, b)
        torch.testing.assert_close(full, ref.relu() if relu else ref, rtol=1e-5, atol=1e-4)
        for rows in (1, 5, 7, 35):
            assert torch.equal(f(x[:rows].contiguous()), full[:rows]), (relu, rows)


def test_packed_weights_follow_the_state_dict(avh_model):
    dec = copy.deepcopy(avh_model.decoder)
    keys = set(dec.state_dict())
    first = step_weights(dec)
    assert step_weights(dec) is first  # built once while the weights do not change
    assert {"layers.0.self_attn.q_proj.weight", "layers.0.self_attn.k_proj.weight",
            "layers.0.self_attn.v_proj.weight"} <= keys
    assert not any("qkv" in k or "packed" in k for k in keys)
    enc = torch.randn(9, 1, dec.embed_tokens.weight.shape[1])
    last = torch.full((2,), 2, dtype=torch.long)
    with torch.no_grad():
        before = StepDecoder(dec, enc, None, 2).logits(last, 1)
        state = dec.state_dict()
        state["layers.0.self_attn.v_proj.weight"] = state["layers.0.self_attn.v_proj.weight"] * 2
        dec.load_state_dict(state)  # an in-place copy: same tensors, new version
        after = StepDecoder(dec, enc, None, 2).logits(last, 1)
        ref = dec(last[:, None], enc, None, [{} for _ in dec.layers])[:, -1]
    assert step_weights(dec) is not first
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, ref, rtol=0, atol=2e-5 * float(ref.abs().max()))
    assert set(dec.state_dict()) == keys


def test_rows_must_match(avh_model):
    enc = torch.randn(9, 1, avh_model.decoder.embed_tokens.weight.shape[1])
    stepper = StepDecoder(avh_model.decoder, enc, None, 3)
    with pytest.raises(ValueError, match="2 tokens for 3 rows"):
        stepper.logits(torch.full((2,), 2, dtype=torch.long), 1)


def test_without_onednn_the_plain_gemm_gives_the_same_logits(avh_model, monkeypatch):
    """Where oneDNN is missing (another device, dtype or build) the step decoder falls back to
    F.linear on the same (concatenated) weights."""
    import talkbench_avhubert.packed_linear as pl

    dec = copy.deepcopy(avh_model.decoder)
    enc = torch.randn(9, 2, dec.embed_tokens.weight.shape[1], generator=torch.Generator().manual_seed(1))
    last = torch.full((6,), 2, dtype=torch.long)
    with torch.no_grad():
        packed = StepDecoder(dec, enc, None, 6).logits(last, 1)
        monkeypatch.setattr(pl, "_onednn_ok", lambda weight: False)
        dec.__dict__.pop("_step_weights")
        plain = StepDecoder(dec, enc, None, 6).logits(last, 1)
    assert plain.shape == packed.shape == (6, 100)
    torch.testing.assert_close(plain, packed, rtol=0, atol=2e-5 * float(packed.abs().max()))


def test_a_model_that_has_decoded_still_pickles(avh_model, avh_tensors):
    import pickle

    video = avh_tensors["video"][1][:, :, :20].contiguous()
    first = avh_model.generate(video=video, padding_mask=torch.zeros(1, 20, dtype=torch.bool), beam=2)
    assert "_step_weights" in avh_model.decoder.__dict__
    again = pickle.loads(pickle.dumps(avh_model))
    assert "_step_weights" not in again.decoder.__dict__
    hyps = again.generate(video=video, padding_mask=torch.zeros(1, 20, dtype=torch.bool), beam=2)
    assert [h["tokens"].tolist() for h in hyps] == [h["tokens"].tolist() for h in first]
