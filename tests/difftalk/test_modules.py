"""Shapes of every part, save/load, seeded sampling, presets."""

from __future__ import annotations

import pytest
import torch

from talkbench_difftalk.conditioning import AudioAttNet, AudioNet, DiffTalkConditioner, LdmNet
from talkbench_difftalk.config import PAPER, TINY, DiffTalkConfig
from talkbench_difftalk.model import DiffTalkModel
from talkbench_difftalk.schedule import ddim_sample, make_ddim


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return DiffTalkModel(TINY).eval()


def test_conditioning_shapes():
    torch.manual_seed(0)
    assert AudioNet(64, 16)(torch.randn(5, 16, 29)).shape == (5, 64)
    assert AudioNet(64, 16)(torch.randn(1, 16, 29)).shape == (1, 64)   # batch of 1 stays 2-D
    w = AudioAttNet(32, 8)
    x = torch.randn(3, 8, 64)
    out = w(x)
    assert out.shape == (3, 64)
    # the weights sum to 1 and come only from the first 32 features
    x2 = x.clone()
    x2[..., 32:] = 0
    assert torch.allclose(w(x2), out * torch.cat([torch.ones(32), torch.zeros(32)]), atol=1e-6)
    assert LdmNet()(torch.rand(2, 39, 2) * 64).shape == (2, 64)
    assert DiffTalkConditioner()(torch.randn(2, 8, 16, 29), torch.rand(2, 39, 2)).shape == (2, 1, 128)


def test_model_shapes(tiny):
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        z = tiny.encode(x)
        assert z.shape == (2, 3, 16, 16)
        assert tiny.decode(z).shape == (2, 3, 64, 64)
        assert tiny.vq_indices(z).shape == (2, 16, 16)
        ctx = tiny.context(torch.randn(2, 8, 16, 29), torch.rand(2, 39, 2) * 64)
        assert ctx.shape == (2, 1, 128)
        eps = tiny.eps(z, 999, z, z, ctx, ema=True)
        assert eps.shape == (2, 3, 16, 16) and torch.isfinite(eps).all()


def test_paper_config_heads_and_blocks():
    from talkbench_difftalk.model import build_unet

    with torch.device("meta"):  # shapes only: no 530M parameters to initialise
        unet = build_unet(PAPER)
    assert unet.config.block_out_channels == (256, 512, 768, 1024)
    assert unet.config.down_block_types[0] == "DownBlock2D"
    # 32-wide heads: 16, 24, 32 heads at the attention levels
    heads = [blk.attentions[0].transformer_blocks[0].attn1.heads for blk in unet.down_blocks[1:]]
    assert heads == [16, 24, 32]
    assert unet.config.layers_per_block == 2 and unet.config.cross_attention_dim == 128
    assert unet.conv_in.in_channels == 9 and unet.conv_out.out_channels == 3
    assert 500e6 < sum(p.numel() for p in unet.parameters()) < 560e6


def test_scheduler_matches_ldm_uniform_steps():
    s = make_ddim(TINY)
    s.set_timesteps(200)
    assert s.timesteps[0] == 996 and s.timesteps[-1] == 1 and len(s.timesteps) == 200
    assert float(s.final_alpha_cumprod) == pytest.approx(1 - 0.0015, rel=1e-6)


def test_seeded_sampling_is_deterministic(tiny):
    z = torch.zeros(1, 3, 16, 16)
    ctx = torch.zeros(1, 1, 128)

    def run(seed):
        g = torch.Generator().manual_seed(seed)
        return ddim_sample(tiny, ctx, z, z, steps=3, generator=g)[0]

    a, b, c = run(7), run(7), run(8)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_save_pretrained_round_trip(tiny, tmp_path):
    tiny.save_pretrained(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "cond.safetensors", "config.json", "ema_unet", "unet", "vq"]
    back = DiffTalkModel.from_pretrained(tmp_path / "m")
    # the parts are plain diffusers folders
    from talkbench_difftalk._diffusers import diffusers

    unet = diffusers().UNet2DConditionModel.from_pretrained(tmp_path / "m" / "ema_unet")
    assert torch.equal(unet.conv_in.weight, tiny.ema_unet.conv_in.weight)
    assert back.config == TINY
    a, b = tiny.state_dict(), back.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(FileNotFoundError, match="no config.json"):
        DiffTalkModel.from_pretrained(tmp_path)


def test_config_dict_round_trip():
    assert DiffTalkConfig.from_dict(TINY.to_dict()) == TINY
    with pytest.raises(ValueError, match="unknown UNetConfig keys"):
        DiffTalkConfig.from_dict({"unet": {"bogus": 1}})
