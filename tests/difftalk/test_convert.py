"""Key conversion: exact round trip to DiffTalk's layout, strict refusal listing bad keys."""

from __future__ import annotations

import json

import pytest
import torch

from talkbench_difftalk import keymap
from talkbench_difftalk.config import REDUCED, from_difftalk_yaml
from talkbench_difftalk.convert import (
    CheckpointLayoutError,
    export_state_dict_ldm,
    load_state_dict_ldm,
    read_checkpoint,
)
from talkbench_difftalk.model import DiffTalkModel


@pytest.fixture(scope="module")
def sd(difftalk_ckpt):
    return read_checkpoint(difftalk_ckpt)


def test_yaml_sizes_the_reduced_model(difftalk_fixture_dir):
    cfg = from_difftalk_yaml(difftalk_fixture_dir / "difftalk_reduced.yaml")
    assert cfg == REDUCED
    assert cfg.latent_size == 64 and cfg.unet.num_head_channels == 16


def test_parameter_counts_match_the_manifest(difftalk_model, difftalk_fixture_dir):
    n = json.loads((difftalk_fixture_dir / "manifest.json").read_text())["checkpoint"]["n_params_by_prefix"]
    model = difftalk_model[0]
    assert sum(p.numel() for p in model.unet.parameters()) == n["model.diffusion_model."]
    assert sum(p.numel() for p in model.vq.parameters()) == n["first_stage_model."]
    assert sum(p.numel() for p in model.cond.audio.parameters()) == n["cond_stage_model_for_audio."]
    assert sum(p.numel() for p in model.cond.audio_smooth.parameters()) == n["cond_stage_model_for_audio_smooth."]
    assert sum(p.numel() for p in model.cond.ldm.parameters()) == n["cond_stage_model_for_ldm."]


def test_yaml_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {params: {}}\n")
    with pytest.raises(ValueError, match=r"bad\.yaml: not a DiffTalk LatentDiffusion config"):
        from_difftalk_yaml(bad)


def test_export_round_trip_is_exact(difftalk_model, sd, difftalk_fixture_dir):
    model = difftalk_model[0]
    out = export_state_dict_ldm(model, num_updates=1000)
    keys = json.loads((difftalk_fixture_dir / "state_dict_keys.json").read_text())
    assert set(out) == set(sd) == set(keys)
    for k, v in sd.items():
        assert tuple(out[k].shape) == tuple(v.shape) == tuple(keys[k][0]), k
        assert out[k].dtype == v.dtype, k
        assert torch.equal(out[k], v), k
    # and back into a fresh model: identical tensors
    fresh = DiffTalkModel(REDUCED)
    load_state_dict_ldm(fresh, out)
    a, b = fresh.state_dict(), model.state_dict()
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_ema_names_are_dotless_and_mapped(difftalk_model, sd):
    model = difftalk_model[0]
    k = "model_ema.diffusion_modelinput_blocks00weight"
    assert keymap.ema_key("model.diffusion_model.input_blocks.0.0.weight") == k
    assert torch.equal(model.ema_unet.conv_in.weight, sd[k])
    assert torch.equal(model.unet.conv_in.weight, sd["model.diffusion_model.input_blocks.0.0.weight"])
    # the upsample of output block 1 sits after its attention, as LDM's index 2
    assert torch.equal(model.unet.up_blocks[0].upsamplers[0].conv.weight,
                       sd["model.diffusion_model.output_blocks.1.2.conv.weight"])
    # the decoder's up.0 (full resolution) runs last in diffusers
    assert torch.equal(model.vq.decoder.up_blocks[-1].resnets[0].conv1.weight,
                       sd["first_stage_model.decoder.up.0.block.0.conv1.weight"])
    # AttnBlock 1x1 convs become Linear weights
    assert torch.equal(model.vq.encoder.mid_block.attentions[0].to_q.weight,
                       sd["first_stage_model.encoder.mid.attn_1.q.weight"][:, :, 0, 0])


def test_strict_load_lists_missing_and_unexpected(sd):
    broken = dict(sd)
    broken.pop("model.diffusion_model.input_blocks.3.1.transformer_blocks.0.attn2.to_k.weight")
    broken.pop("cond_stage_model_for_ldm.encoder_fc1.4.bias")
    broken["model.diffusion_model.extra_head.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointLayoutError) as err:
        load_state_dict_ldm(DiffTalkModel(REDUCED), broken, source="x.ckpt")
    msg = str(err.value)
    assert msg.startswith("x.ckpt: not a DiffTalk checkpoint for this config")
    assert "2 missing keys" in msg and "attn2.to_k.weight" in msg and "encoder_fc1.4.bias" in msg
    assert "1 unexpected keys: model.diffusion_model.extra_head.weight" in msg
    assert "\n" not in msg


def test_strict_load_reports_shape_mismatch(sd):
    from dataclasses import replace

    wrong = replace(REDUCED, vq=replace(REDUCED.vq, n_embed=32))
    with pytest.raises(CheckpointLayoutError, match=r"1 shape mismatches: first_stage_model\.quantize\.embedding\.weight \(64, 3\) vs \(32, 3\)"):
        load_state_dict_ldm(DiffTalkModel(wrong), sd)


def test_wrong_schedule_is_refused(sd):
    from dataclasses import replace

    with pytest.raises(CheckpointLayoutError, match="noise schedule differs"):
        load_state_dict_ldm(DiffTalkModel(replace(REDUCED, linear_end=0.012)), sd)


def test_vq_from_a_compvis_checkpoint(difftalk_ckpt, difftalk_model):
    from talkbench_difftalk.vq_weights import load_vq_weights

    fresh = DiffTalkModel(REDUCED, with_ema=False)
    load_vq_weights(fresh, difftalk_ckpt)
    a, b = fresh.vq.state_dict(), difftalk_model[0].vq.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(FileNotFoundError, match="vq_from=.*no such file"):
        load_vq_weights(fresh, "/nonexistent/vq.ckpt")
