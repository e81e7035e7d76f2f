"""Checkpoint loading (both weight-norm styles, pretraining files, refusals) and the
AudioFeatureEncoder API other plugins use."""

from __future__ import annotations

import enum
import pickle

import numpy as np
import pytest
import torch

from avh_util import assert_close_rel
from talkbench_avhubert import AudioFeatureEncoder, AVHubertConfig, encode_audio, get_config
from talkbench_avhubert.checkpoint import CheckpointError, load_checkpoint
from talkbench_avhubert.encoder import AVHubertEncoder
from talkbench_avhubert.unpickle import load_fairseq_checkpoint


def test_fixture_config_is_read_from_cfg(avh_loaded):
    c = avh_loaded.config
    assert (c.encoder_layers, c.encoder_embed_dim, c.encoder_ffn_embed_dim, c.encoder_attention_heads) == (3, 256, 512, 4)
    assert (c.decoder_layers, c.decoder_embed_dim, c.vocab_size) == (2, 256, 100)
    assert c.no_scale_embedding and c.share_decoder_input_output_embed and c.layer_norm_first
    assert (c.pad_idx, c.eos_idx, c.bos_idx, c.unk_idx) == (1, 2, 0, 3)
    assert avh_loaded.symbols[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and len(avh_loaded.symbols) == 100
    # pretraining-only tensors are dropped
    assert not any(k.startswith(("mask_emb", "label_embs_concat")) for k in avh_loaded.encoder_state)


def test_pretrain_checkpoint_gives_the_same_encoder(avh_ckpts, avh_tensors, avh_expected):
    loaded = load_checkpoint(avh_ckpts["pretrain"])
    assert not loaded.is_seq2seq and loaded.config.encoder_layers == 3
    enc = AVHubertEncoder(loaded.config).eval()
    loaded.load_encoder_into(enc)
    audio, video = avh_tensors["av"]
    with torch.no_grad():
        out = enc(audio, video, avh_tensors["mask"])
    assert_close_rel(out.transpose(0, 1), avh_expected["encoder_out_av_TBD"], what="pretrain av")
    with pytest.raises(CheckpointError, match="pretraining checkpoint \\(no decoder\\)"):
        loaded.build_seq2seq()


def test_audio_feature_encoder_from_checkpoint(avh_ckpts, avh_tensors, avh_expected, avh_inputs):
    enc = AudioFeatureEncoder.build("base", checkpoint=avh_ckpts["pretrain"]).eval()
    assert enc.output_dim == 256 and not enc.encoder.has_video
    feats = torch.from_numpy(avh_inputs["audio_feats_normalized"])
    with torch.no_grad():
        out = enc(feats[None])
    assert out.shape == (1, 75, 256)
    assert_close_rel(out.transpose(0, 1), avh_expected["encoder_out_audio_TBD"], what="audio encoder")
    # the convenience path from raw audio gives the same features
    audio = avh_inputs["wav_int16"].astype(np.float32) / 32768.0
    with torch.no_grad():
        direct = enc.encode_audio(audio, num_frames=75)
    assert_close_rel(direct, avh_expected["encoder_out_audio_TBD"][:, 0], rel=2e-5, what="encode_audio")
    torch.testing.assert_close(encode_audio(audio, enc, num_frames=75), direct)


def test_parametrized_weight_norm_keys_load_identically(avh_ckpts, avh_tensors, avh_expected, tmp_path):
    ckpt = load_fairseq_checkpoint(avh_ckpts["pretrain"])
    state = ckpt["model"]
    g = state.pop("encoder.pos_conv.0.weight_g")
    v = state.pop("encoder.pos_conv.0.weight_v")
    state["encoder.pos_conv.0.parametrizations.weight.original0"] = g
    state["encoder.pos_conv.0.parametrizations.weight.original1"] = v
    ckpt["task_state"] = {}
    path = tmp_path / "param_style.pt"
    torch.save(ckpt, path)
    loaded = load_checkpoint(path)
    enc = AVHubertEncoder(loaded.config).eval()
    loaded.load_encoder_into(enc)
    torch.testing.assert_close(getattr(enc.encoder.pos_conv, "0").weight_g, g)
    audio, _ = avh_tensors["audio"]
    with torch.no_grad():
        out = enc(audio, None, avh_tensors["mask"])
    assert_close_rel(out.transpose(0, 1), avh_expected["encoder_out_audio_TBD"], what="param style")


def test_mismatched_state_dict_lists_missing_and_unexpected_keys(avh_ckpts, tmp_path):
    ckpt = load_fairseq_checkpoint(avh_ckpts["pretrain"])
    ckpt["model"].pop("encoder.layers.0.fc1.bias")
    ckpt["model"]["encoder.layers.0.fc3.weight"] = torch.zeros(2)
    ckpt["task_state"] = {}
    path = tmp_path / "broken.pt"
    torch.save(ckpt, path)
    loaded = load_checkpoint(path)
    with pytest.raises(CheckpointError) as err:
        loaded.load_encoder_into(AVHubertEncoder(loaded.config))
    msg = str(err.value)
    assert "missing keys: encoder.layers.0.fc1.bias" in msg
    assert "unexpected keys: encoder.layers.0.fc3.weight" in msg and "broken.pt" in msg


def test_wrong_shape_is_refused(avh_ckpts):
    loaded = load_checkpoint(avh_ckpts["pretrain"])
    with pytest.raises(CheckpointError, match=r"shape mismatches: encoder.layer_norm.bias \(256,\) vs model \(128,\)"):
        loaded.load_encoder_into(AVHubertEncoder(loaded.config.replace(encoder_embed_dim=128,
                                                                       conv_pos_groups=16)))


def test_not_a_checkpoint(tmp_path):
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="x.pt: not a readable torch checkpoint"):
        load_checkpoint(bad)
    torch.save({"model": {}, "cfg": {"model": {"_name": "wav2vec2"}}}, tmp_path / "w2v.pt")
    with pytest.raises(CheckpointError, match="'wav2vec2' is not an AV-HuBERT model"):
        load_checkpoint(tmp_path / "w2v.pt")


def test_presets_have_the_paper_shapes():
    base, large, tiny = get_config("base"), get_config("large"), get_config("tiny")
    assert (base.encoder_layers, base.encoder_embed_dim, base.encoder_ffn_embed_dim, base.encoder_attention_heads) == (12, 768, 3072, 12)
    assert (large.encoder_layers, large.encoder_embed_dim, large.encoder_ffn_embed_dim, large.encoder_attention_heads) == (24, 1024, 4096, 16)
    assert (tiny.encoder_layers, tiny.encoder_embed_dim) == (2, 64)
    s2s = get_config("large", seq2seq=True)
    assert (s2s.decoder_layers, s2s.decoder_embed_dim, s2s.decoder_attention_heads) == (9, 1024, 8)
    with pytest.raises(ValueError, match="unknown AV-HuBERT preset 'huge'"):
        get_config("huge")


def test_freeze_layers_freezes_front_end_and_first_layers():
    enc = AudioFeatureEncoder.build("tiny", freeze_layers=1)
    frozen = {n for n, p in enc.named_parameters() if not p.requires_grad}
    trainable = {n for n, p in enc.named_parameters() if p.requires_grad}
    assert any(n.startswith("encoder.feature_extractor_audio.") for n in frozen)
    assert any(n.startswith("encoder.encoder.layers.0.") for n in frozen)
    assert all(n.startswith(("encoder.encoder.layers.1.", "encoder.encoder.layer_norm.")) for n in trainable)
    assert any(n.startswith("encoder.encoder.layers.1.") for n in trainable)
    # gradients reach only trainable parameters
    feats = torch.randn(2, 10, 104)
    enc(feats).sum().backward()
    assert all(p.grad is None for n, p in enc.named_parameters() if n in frozen)
    assert all(p.grad is not None for n, p in enc.named_parameters() if n in trainable)
    assert all(p.requires_grad for p in AudioFeatureEncoder.build("tiny").parameters())
    assert not any(p.requires_grad for p in AudioFeatureEncoder.build("tiny", freeze_layers=-1).parameters())
    with pytest.raises(ValueError, match="freeze_layers=3 exceeds the encoder's 2 layers"):
        AudioFeatureEncoder.build("tiny", freeze_layers=3)


def test_audio_feature_api_shapes_and_errors():
    enc = AudioFeatureEncoder.build(AVHubertConfig(**{**get_config("tiny").to_dict()})).eval()
    audio = (np.random.default_rng(0).standard_normal(16000) * 0.1).astype(np.float32)
    feats = enc.audio_features(audio, num_frames=25)
    assert feats.shape == (25, 104)
    assert enc(feats[None]).shape == (1, 25, 64)
    # padding_mask: padded steps do not change the unpadded outputs' shape contract
    pm = torch.zeros(1, 25, dtype=torch.bool)
    pm[0, 20:] = True
    assert enc(feats[None], padding_mask=pm).shape == (1, 25, 64)
    assert enc(feats[None], num_layers=1).shape == (1, 25, 64)
    with pytest.raises(ValueError, match=r"expected \(B, T, 104\) features"):
        enc(feats)
    import talkbench
    clip = talkbench.Clip("c", frames_source=np.zeros((30, 8, 8, 3), np.uint8), audio_source=audio)
    with torch.no_grad():
        assert enc.encode_audio(clip).shape == (30, 64)  # aligned to the clip's frames


class Backend(enum.Enum):
    """Stands for the fairseq enums old cfgs pickle (their class is stubbed on load)."""

    DDP = "pytorch_ddp"


def test_cfg_pickled_as_omegaconf_with_enums_loads(avh_ckpts, avh_tensors, avh_expected, tmp_path):
    """Older fairseq files keep cfg as a DictConfig and enum members (stubbed on load)."""
    omegaconf = pytest.importorskip("omegaconf", reason="omegaconf comes with the dev extra ve-fairseq")
    ckpt = load_fairseq_checkpoint(avh_ckpts["pretrain"])
    cfg = dict(ckpt["cfg"])
    cfg["distributed_training"] = {"ddp_backend": Backend("pytorch_ddp")}
    ckpt["cfg"] = omegaconf.OmegaConf.create(cfg, flags={"allow_objects": True})
    ckpt["task_state"] = {}
    path = tmp_path / "dictconfig.pt"
    torch.save(ckpt, path)
    loaded = load_checkpoint(path)
    assert loaded.cfg["distributed_training"]["ddp_backend"] == "pytorch_ddp"
    assert loaded.config.encoder_layers == 3 and loaded.config.encoder_embed_dim == 256
    enc = AudioFeatureEncoder.build(checkpoint=path).eval()
    with torch.no_grad():
        out = enc(avh_tensors["audio"][0].transpose(1, 2))
    assert_close_rel(out.transpose(0, 1), avh_expected["encoder_out_audio_TBD"], what="dictconfig file")


def test_audio_encoder_from_seq2seq_checkpoint(avh_ckpts, avh_tensors, avh_expected):
    enc = AudioFeatureEncoder.build(checkpoint=avh_ckpts["seq2seq"], freeze_layers=2).eval()
    assert enc.freeze_layers == 2 and enc.num_layers == 3
    with torch.no_grad():
        out = enc(avh_tensors["audio"][0].transpose(1, 2))
    assert_close_rel(out.transpose(0, 1), avh_expected["encoder_out_audio_TBD"], what="s2s audio encoder")


class _Evil:
    """Unpickling this would run a shell command if the loader resolved real globals."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_loading_never_runs_code_from_the_file(tmp_path, zip_format):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"model": {"w": torch.ones(2)}, "cfg": {"model": {}}, "x": _Evil(marker)}, path,
               _use_new_zipfile_serialization=zip_format)
    if zip_format:
        # torch's weights-only reader blocks os/posix globals outright: a refusal, no code run
        with pytest.raises(pickle.UnpicklingError, match="posix.system"):
            load_fairseq_checkpoint(path)
    else:
        # the legacy fallback turns the global into an inert stub
        ckpt = load_fairseq_checkpoint(path)
        assert type(ckpt["x"]).__name__ == "system" and torch.equal(ckpt["model"]["w"], torch.ones(2))
    assert not marker.exists()


def test_dropout_only_while_training_and_not_in_frozen_layers():
    cfg = get_config("tiny", dropout=0.3, attention_dropout=0.2, activation_dropout=0.1)
    feats = torch.randn(1, 12, 104)
    enc = AudioFeatureEncoder.build(cfg, freeze_layers=1)
    enc.train()
    assert not enc.encoder.encoder.layers[0].training and enc.encoder.encoder.layers[1].training
    torch.manual_seed(0)
    a = enc(feats)
    torch.manual_seed(1)
    b = enc(feats)
    assert not torch.allclose(a, b)
    enc.eval()
    torch.testing.assert_close(enc(feats), enc(feats))
    plain = AudioFeatureEncoder.build("tiny").train()  # default: no dropout, train == eval
    torch.testing.assert_close(plain(feats), plain.eval()(feats))
