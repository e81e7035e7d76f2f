"""TalkLip: the official checkpoint layout loads strictly without fairseq; mismatches are listed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench_talklip.audio import align_centre, talklip_features
from talkbench_talklip.network import TalkLip, from_talklip_state, infer_config, to_talklip_state
from talkbench_talklip.weights import load_talklip
from talkbench_wav2lip.network import KeyMismatchError, Wav2Lip
from talklip_helpers import write_seeded_talklip


def test_layout_matches_the_reference_names(talklip_state):
    prefixes = {k.split(".")[0] for k in talklip_state}
    assert prefixes == {"face_encoder_blocks", "audio_encoder", "audio_map", "face_decoder_blocks",
                        "output_block", "sync_net"}
    assert tuple(talklip_state["audio_map.weight"].shape) == (512, 64)  # 768→512 for BASE
    assert "audio_encoder.w2v_model.encoder.layers.1.fc2.weight" in talklip_state
    assert any(k.startswith("audio_encoder.w2v_model.feature_extractor_video.resnet.") for k in talklip_state)
    # face path = Wav2Lip's, key for key and shape for shape
    w2l = Wav2Lip().state_dict()
    face = {k: v for k, v in talklip_state.items() if k.startswith(("face_", "output_block"))}
    assert face and all(tuple(w2l[k].shape) == tuple(v.shape) for k, v in face.items())


def test_config_is_inferred_from_shapes(talklip_state):
    cfg = infer_config(from_talklip_state(talklip_state))
    assert (cfg.encoder_layers, cfg.encoder_embed_dim, cfg.encoder_ffn_embed_dim) == (2, 64, 128)
    assert (cfg.encoder_attention_heads, cfg.conv_pos, cfg.conv_pos_groups, cfg.audio_feat_dim) == (4, 16, 4, 104)


def test_loads_strict_and_round_trips(seeded_talklip_checkpoint, talklip_state):
    model = load_talklip(seeded_talklip_checkpoint)
    back = to_talklip_state(model)
    unused = [k for k in talklip_state if k not in back]
    assert unused and all(k.startswith(("sync_net.", "audio_encoder.w2v_model.feature_extractor_video.",
                                        "audio_encoder.w2v_model.mask_emb",
                                        "audio_encoder.w2v_model.label_embs_concat")) for k in unused)
    for key, value in back.items():
        if not key.endswith("num_batches_tracked"):
            torch.testing.assert_close(value, talklip_state[key], rtol=0, atol=0)


def test_module_prefix_and_new_weight_norm_keys(tmp_path, talklip_state):
    state = dict(talklip_state)
    p = "audio_encoder.w2v_model.encoder.pos_conv.0."
    state[p + "parametrizations.weight.original0"] = state.pop(p + "weight_g")
    state[p + "parametrizations.weight.original1"] = state.pop(p + "weight_v")
    path = write_seeded_talklip(tmp_path / "dp.pth", module_prefix=True, state=state)
    model = load_talklip(path)
    loaded = model.state_dict()["audio_encoder.encoder.encoder.pos_conv.0.weight_g"]
    torch.testing.assert_close(loaded, talklip_state[p + "weight_g"], rtol=0, atol=0)


def test_mismatches_are_listed(tmp_path, talklip_state):
    state = dict(talklip_state)
    del state["audio_map.bias"]
    state["face_decoder_blocks.9.weight"] = torch.zeros(1)
    state["output_block.1.weight"] = torch.zeros(3, 16, 1, 1)
    path = write_seeded_talklip(tmp_path / "bad.pth", state=state)
    with pytest.raises(KeyMismatchError) as err:
        load_talklip(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg
    assert "1 missing: audio_map.bias" in msg
    assert "1 unexpected: face_decoder_blocks.9.weight" in msg
    assert "output_block.1.weight (3, 16, 1, 1)≠(3, 32, 1, 1)" in msg


def test_unknown_width_needs_heads(talklip_state):
    conv = from_talklip_state(talklip_state)
    wide = {k: (torch.zeros(96, *v.shape[1:]) if k.endswith("post_extract_proj.weight") else v) for k, v in conv.items()}
    with pytest.raises(KeyMismatchError, match="width 96 matches no preset; pass --option heads=N"):
        infer_config(wide)
    assert infer_config(wide, heads=8).encoder_attention_heads == 8


def test_forward_shapes_and_determinism(seeded_talklip_checkpoint):
    model = load_talklip(seeded_talklip_checkpoint)
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal(16000)).astype(np.float32)
    feats = talklip_features(audio, 25)
    assert feats.shape == (25, 104) and feats.dtype == torch.float32
    faces = torch.rand(5, 6, 96, 96, generator=torch.Generator().manual_seed(0))
    index = torch.tensor([0, 3, 7, 12, 24])
    with torch.no_grad():
        out = model(feats[None], faces, index)
        again = model(feats[None], faces, index)
        emb = model.audio_embedding(feats[None])
    assert out.shape == (5, 3, 96, 96) and emb.shape == (25, 512, 1, 1)
    assert out.min() > 0 and out.max() < 1
    torch.testing.assert_close(out, again, rtol=0, atol=0)
    # per-frame features: different audio frames give different faces for the same input
    with torch.no_grad():
        same_face = model(feats[None], faces[:1].expand(2, -1, -1, -1), torch.tensor([0, 12]))
    assert (same_face[0] - same_face[1]).abs().max() > 1e-3  # 0.017 measured


def test_alignment_trims_both_ends():
    feats = np.arange(10, dtype=np.float32)[:, None].repeat(3, axis=1)
    np.testing.assert_array_equal(align_centre(feats, 7)[:, 0], [1, 2, 3, 4, 5, 6, 7])
    padded = align_centre(feats, 12)
    assert padded.shape == (12, 3) and (padded[10:] == 0).all()
    assert talklip_features(np.zeros(16000, np.float32), 30).shape == (30, 104)
    assert isinstance(TalkLip, type)
