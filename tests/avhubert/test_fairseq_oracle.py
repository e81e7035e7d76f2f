"""Oracle tests against fairseq 0.12 itself (ve-fairseq, a dev extra; never a runtime need).

fairseq's wav2vec2 TransformerEncoder and its TransformerDecoder are built with seeded random
weights (norms and biases perturbed so identity defaults cannot hide a loader bug), written in
the fairseq checkpoint layout, loaded by talkbench and compared: max|ours − fairseq| ≤ 1e-5 ·
max|fairseq|. The audio front-end is compared with python_speech_features directly.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from avh_util import assert_close_rel
from talkbench_avhubert.checkpoint import load_checkpoint
from talkbench_avhubert.config import get_config
from talkbench_avhubert.model import AVHubertSeq2Seq
from talkbench_avhubert.save import save_fairseq_checkpoint

fairseq = pytest.importorskip("fairseq", reason="the fairseq oracle needs the dev extra ve-fairseq")
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

D, HEADS, FFN, LAYERS, KPOS, GPOS = 64, 4, 128, 2, 16, 4


def _perturb(module: nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.05 * torch.randn(m.bias.shape, generator=g))
        for name, p in module.named_parameters():
            if name.endswith("bias") and p.dim() == 1:
                p.copy_(0.02 * torch.randn(p.shape, generator=g))
            if name.endswith("weight_g"):
                p.mul_(1 + 0.1 * torch.randn(p.shape, generator=g))


def _fairseq_encoder(layer_norm_first: bool):
    from fairseq.models.wav2vec.wav2vec2 import TransformerEncoder, Wav2Vec2Config

    torch.manual_seed(0)
    cfg = Wav2Vec2Config(encoder_layers=LAYERS, encoder_embed_dim=D, encoder_ffn_embed_dim=FFN,
                         encoder_attention_heads=HEADS, conv_pos=KPOS, conv_pos_groups=GPOS,
                         layer_norm_first=layer_norm_first, dropout=0.0, attention_dropout=0.0,
                         activation_dropout=0.0, encoder_layerdrop=0.0)
    enc = TransformerEncoder(cfg)
    _perturb(enc, 1)
    return enc.eval()


def _fairseq_decoder():
    from fairseq.data import Dictionary
    from fairseq.models.transformer import TransformerConfig, TransformerDecoderBase

    torch.manual_seed(2)
    d = Dictionary()
    for i in range(60):
        d.add_symbol(f"w{i}")
    cfg = TransformerConfig()
    cfg.decoder.embed_dim = cfg.decoder.output_dim = cfg.decoder.input_dim = D
    cfg.decoder.ffn_embed_dim, cfg.decoder.layers, cfg.decoder.attention_heads = FFN, LAYERS, HEADS
    cfg.decoder.normalize_before, cfg.decoder.learned_pos = True, False
    cfg.encoder.embed_dim = D
    cfg.no_scale_embedding, cfg.share_decoder_input_output_embed = True, True
    cfg.dropout = cfg.attention_dropout = cfg.activation_dropout = 0.0
    cfg.max_target_positions = 1024
    emb = nn.Embedding(len(d), D, padding_idx=d.pad())
    nn.init.normal_(emb.weight, 0, D ** -0.5)
    dec = TransformerDecoderBase(cfg, d, emb)
    _perturb(dec, 3)
    return dec.eval(), d


@pytest.fixture(scope="module", params=[True, False], ids=["pre_norm", "post_norm"])
def oracle(request, tmp_path_factory):
    """A talkbench model loaded from a fairseq-layout file whose transformer parts are fairseq's."""
    fenc = _fairseq_encoder(request.param)
    fdec, dictionary = _fairseq_decoder()
    cfg = get_config("tiny", seq2seq=True, encoder_embed_dim=D, encoder_ffn_embed_dim=FFN,
                     encoder_layers=LAYERS, encoder_attention_heads=HEADS, conv_pos=KPOS,
                     conv_pos_groups=GPOS, decoder_embed_dim=D, decoder_ffn_embed_dim=FFN,
                     decoder_layers=LAYERS, decoder_attention_heads=HEADS,
                     vocab_size=len(dictionary), layer_norm_first=request.param)
    torch.manual_seed(4)
    donor = AVHubertSeq2Seq(cfg)  # supplies the AV-HuBERT front-ends (not fairseq modules)
    path = tmp_path_factory.mktemp("oracle") / f"oracle_{request.param}.pt"
    save_fairseq_checkpoint(path, cfg, donor.encoder, donor.decoder, symbols=dictionary.symbols)
    ckpt = torch.load(path, weights_only=False)
    state = {k: v for k, v in ckpt["model"].items()
             if not k.startswith(("encoder.w2v_model.encoder.", "decoder."))}
    for k, v in fenc.state_dict().items():
        if request.param:  # the pre-norm file uses torch's parametrized weight-norm key style
            k = k.replace("pos_conv.0.weight_g", "pos_conv.0.parametrizations.weight.original0")
            k = k.replace("pos_conv.0.weight_v", "pos_conv.0.parametrizations.weight.original1")
        state["encoder.w2v_model.encoder." + k] = v
    dec_state = fdec.state_dict()
    # fairseq's generic decoder also stores the tied projection; AV-HuBERT's decoder does not
    tied = dec_state.pop("output_projection.weight")
    assert torch.equal(tied, dec_state["embed_tokens.weight"])
    dec_state.pop("version", None)
    state.update({"decoder." + k: v for k, v in dec_state.items()})
    ckpt["model"] = state
    torch.save(ckpt, path)
    ours = load_checkpoint(path).build_seq2seq()
    return {"ours": ours, "fenc": fenc, "fdec": fdec, "dict": dictionary}


def test_transformer_encoder_matches_fairseq(oracle):
    torch.manual_seed(5)
    x = torch.randn(2, 37, D)
    mask = torch.zeros(2, 37, dtype=torch.bool)
    mask[1, 30:] = True
    with torch.no_grad():
        ref = oracle["fenc"](x, padding_mask=mask)[0]
        out = oracle["ours"].encoder.encoder(x, mask)
    assert_close_rel(out[0], ref[0], what="encoder b0")
    assert_close_rel(out[1, :30], ref[1, :30], what="encoder b1 unpadded")
    with torch.no_grad():
        ref_l1 = oracle["fenc"](x, padding_mask=None, layer=0)[0]
        out_l1 = oracle["ours"].encoder.encoder(x, None, num_layers=1)
    assert_close_rel(out_l1, ref_l1, what="encoder output_layer=1")


def test_decoder_teacher_forced_matches_fairseq(oracle):
    d = oracle["dict"]
    torch.manual_seed(6)
    enc = torch.randn(23, 2, D)
    enc_mask = torch.zeros(2, 23, dtype=torch.bool)
    enc_mask[0, 20:] = True
    prev = torch.randint(d.nspecial, len(d), (2, 9))
    prev[:, 0] = d.eos()
    with torch.no_grad():
        ref = oracle["fdec"](prev, encoder_out={"encoder_out": [enc], "encoder_padding_mask": [enc_mask]})[0]
        out = oracle["ours"].decoder(prev, enc, enc_mask)
    assert out.shape == (2, 9, len(d))
    assert_close_rel(out, ref, what="decoder logits")


def test_incremental_decoding_matches_fairseq(oracle):
    d = oracle["dict"]
    torch.manual_seed(7)
    enc = torch.randn(15, 1, D)
    tokens = torch.randint(d.nspecial, len(d), (1, 6))
    tokens[:, 0] = d.eos()
    inc: dict = {}
    caches = [{} for _ in oracle["ours"].decoder.layers]
    with torch.no_grad():
        for t in range(1, 7):
            ref = oracle["fdec"](tokens[:, :t], encoder_out={"encoder_out": [enc], "encoder_padding_mask": []},
                                 incremental_state=inc)[0]
            out = oracle["ours"].decoder(tokens[:, :t], enc, None, caches)
            assert_close_rel(out, ref, what=f"incremental step {t}")


def test_logfbank_stacking_against_python_speech_features():
    from python_speech_features import logfbank

    from talkbench_avhubert.features import audio_features

    rng = np.random.default_rng(8)
    wav = (rng.standard_normal(16000 * 2 + 123) * 3000).astype(np.int16)
    ref = logfbank(wav, samplerate=16000).astype(np.float32)
    n = len(ref)
    pad = (-n) % 4
    ref = np.concatenate([ref, np.zeros((pad, 26), np.float32)]).reshape(-1, 104)
    ref_t = torch.nn.functional.layer_norm(torch.from_numpy(ref), (104,))
    ours = audio_features(wav.astype(np.float32) / 32768.0)
    assert ours.shape == ref_t.shape == ((n + pad) // 4, 104)
    torch.testing.assert_close(ours, ref_t, rtol=1e-5, atol=1e-5)
