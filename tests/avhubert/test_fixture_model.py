"""The tiny fixture checkpoints reproduce avhubert_expected.npz (reference fairseq outputs).

Tolerance for float tensors: max|ours - ref| <= 1e-5 · max|ref| (measured ~2e-6 on CPU).
Beam search: identical tokens for all 5 beams, scores within 1e-5 absolute.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from avh_util import assert_close_rel

MODES = ("av", "audio", "video")


@pytest.mark.parametrize("mode", MODES)
def test_encoder_outputs_and_intermediates(mode, avh_model, avh_tensors, avh_expected):
    audio, video = avh_tensors[mode]
    inter: dict = {}
    with torch.no_grad():
        enc, _ = avh_model.encode(audio, video, avh_tensors["mask"], inter)
    assert_close_rel(enc, avh_expected[f"encoder_out_{mode}_TBD"], what=f"{mode} encoder_out")
    checked = 0
    for name, value in inter.items():
        key = f"{mode}__{name}"
        if key in avh_expected:
            assert_close_rel(value, avh_expected[key], what=key)
            checked += 1
    assert checked == (4 if mode != "av" else 3)


def test_video_frontend_intermediates(avh_model, avh_tensors, avh_expected):
    _, video = avh_tensors["video"]
    resnet = avh_model.encoder.feature_extractor_video.resnet
    with torch.no_grad():
        stem = resnet.frontend3D(video)[:, :, :5]
        trunk = resnet(video)
    assert_close_rel(stem, avh_expected["video__video_frontend3d_out"], what="frontend3D")
    assert_close_rel(trunk, avh_expected["video__video_resnet_out_BCT"], what="resnet")


@pytest.mark.parametrize("mode", MODES)
def test_teacher_forced_decoder_logits(mode, avh_model, avh_tensors, avh_expected):
    audio, video = avh_tensors[mode]
    prev = torch.from_numpy(avh_expected["decoder_prev_output_tokens"])
    with torch.no_grad():
        logits = avh_model(prev, audio, video, avh_tensors["mask"])
    assert logits.shape == (1, 16, 100)
    assert_close_rel(logits, avh_expected[f"decoder_logits_{mode}_BLV"], what=f"{mode} logits")


@pytest.mark.parametrize("mode", MODES)
def test_beam5_matches_reference(mode, avh_model, avh_tensors, avh_expected, avh_json, avh_dir,
                                 avh_loaded):
    from talkbench_avhubert.tokenizer import Tokenizer

    audio, video = avh_tensors[mode]
    hyps = avh_model.generate(audio, video, avh_tensors["mask"], beam=5, max_len_a=1.0,
                              max_len_b=0, min_len=1, lenpen=1.0)
    ref = avh_json["beam_search"]["results"][mode]
    # the reference's max-length quirk: src_len = audio feature dim (104) when audio is present
    assert len(hyps[0]["tokens"]) == (76 if mode == "video" else 105)
    np.testing.assert_array_equal(hyps[0]["tokens"].numpy(), avh_expected[f"beam_tokens_{mode}"])
    np.testing.assert_allclose(hyps[0]["positional_scores"].numpy(),
                               avh_expected[f"beam_positional_scores_{mode}"], rtol=0, atol=1e-4)
    assert len(hyps) == len(ref["all_beams"]) == 5
    for ours, theirs in zip(hyps, ref["all_beams"]):
        assert ours["tokens"].tolist() == theirs["tokens"]
        assert ours["score"] == pytest.approx(theirs["score"], abs=1e-5)
    tok = Tokenizer(avh_dir / "spm_tiny.model", avh_loaded.symbols)
    assert tok.decode(hyps[0]["tokens"].tolist()) == ref["hypo_str"]


def test_tokenizer_matches_reference_target(avh_dir, avh_loaded, avh_json, avh_expected):
    from talkbench_avhubert.tokenizer import Tokenizer

    tok = Tokenizer(avh_dir / "spm_tiny.model", avh_loaded.symbols)
    ids = tok.encode(avh_json["decoder_prefix"]["text"])
    assert ids == avh_json["decoder_prefix"]["target_ids"]
    assert ids == avh_expected["decoder_target_tokens"].reshape(-1).tolist()
    assert tok.normalize("The quick brown fox".lower()) == "the quick brown fox"
    # without the checkpoint's dictionary the symbol list is rebuilt as dict.wrd.txt
    rebuilt = Tokenizer(avh_dir / "spm_tiny.model")
    assert rebuilt.symbols == avh_loaded.symbols
