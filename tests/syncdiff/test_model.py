import numpy as np
import pytest
import torch

from talkbench import ClipFailure, OptionError
from syncdiff_model import schedulers
from syncdiff_model.audio import AudioNet, gather_windows
from syncdiff_model.config import load_preset
from syncdiff_model.data import load_deepspeech
from syncdiff_model.model import SyncDiffModel
from synthetic import make_clip


def _batch(model, b=2, t_frames=6):
    cfg = model.config
    s = cfg.image_size
    g = torch.Generator().manual_seed(0)
    img = lambda *shape: torch.rand(*shape, generator=g) * 2 - 1  # noqa: E731
    if cfg.audio == "avhubert":
        audio = model.audio.raw_features(np.zeros(t_frames * 640, np.float32), t_frames)[None].repeat(b, 1, 1)
    else:
        audio = torch.randn(b, t_frames, 16, 29, generator=g)
    return {"target": img(b, 3, s, s), "masked": img(b, 3, s, s), "identity": img(b, 3, s, s),
            "pose": img(b, cfg.num_prev, 3, s, s), "audio": audio,
            "audio_len": torch.full((b,), t_frames), "frame": torch.tensor([1, 4])}


@pytest.mark.parametrize("reference", ["rnd", "prv", "prv-", "rnd+prv-"])
def test_each_reference_mode_trains_one_loss(reference):
    torch.manual_seed(0)
    model = SyncDiffModel(load_preset("tiny", reference=reference))
    assert model.unet.conv_in.in_channels == model.config.unet_in_channels
    assert len(model.bottleneck) == (1 if reference in ("prv-", "rnd+prv-") else 0)
    loss = model(_batch(model), torch.randn(2, 3, 16, 16), torch.tensor([10, 900]), schedulers.train_scheduler())
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert model.unet.conv_in.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.vq.parameters())  # the first stage stays frozen


def test_bottleneck_squeezes_each_pose_latent_3_to_1():
    torch.manual_seed(0)
    model = SyncDiffModel(load_preset("tiny", reference="rnd+prv-", num_prev=5))
    assert len(model.bottleneck) == 5
    for bn in model.bottleneck:
        assert isinstance(bn, torch.nn.Conv2d) and tuple(bn.weight.shape) == (1, 3, 1, 1)
    masked, ident = torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16)
    pose = torch.randn(2, 5, 3, 16, 16)
    priors = model.priors(masked, ident, pose)
    assert priors.shape == (2, 3 + 3 + 5, 16, 16)
    assert torch.equal(priors[:, :3], masked) and torch.equal(priors[:, 3:6], ident)
    for k in range(5):  # channel 6+k is the 1×1 conv of pose frame k
        expect = (model.bottleneck[k].weight[0, :, 0, 0][None, :, None, None] * pose[:, k]).sum(1) + model.bottleneck[k].bias
        torch.testing.assert_close(priors[:, 6 + k], expect)
    # prv keeps all three pose channels: the copy shortcut the bottleneck removes
    prv = SyncDiffModel(load_preset("tiny", reference="prv", num_prev=5))
    assert prv.priors(masked, None, pose).shape[1] == 3 + 15


def test_vq_is_factor_4_with_3_channels():
    model = SyncDiffModel(load_preset("tiny"))
    z = model.encode(torch.zeros(1, 3, 64, 64))
    assert z.shape == (1, 3, 16, 16)
    assert model.decode(z).shape == (1, 3, 64, 64)


def test_freeze_layers_freezes_the_first_nf_avhubert_layers():
    model = SyncDiffModel(load_preset("tiny", freeze_layers=1))
    layers = model.audio.avhubert.encoder.encoder.layers
    assert all(not p.requires_grad for p in layers[0].parameters())
    assert all(p.requires_grad for p in layers[1].parameters())
    with pytest.raises(OptionError, match="syncdiff: .*freeze_layers=3"):
        SyncDiffModel(load_preset("tiny", freeze_layers=3))  # the tiny AVHuBERT has 2 layers


def test_deepspeech_variant_audionet_to_128():
    torch.manual_seed(0)
    model = SyncDiffModel(load_preset("tiny", audio="deepspeech"))
    assert model.audio.dim == 128 and model.unet.config.cross_attention_dim == 128
    assert AudioNet(128)(torch.randn(7, 16, 29)).shape == (7, 128)
    batch = _batch(model)
    ctx = model.audio_context(batch)
    assert ctx.shape == (2, 1 + model.config.context_window, 128)
    clip = make_clip(0)
    with pytest.raises(ClipFailure, match="needs precomputed features"):
        load_deepspeech(clip)
    clip.meta["deepspeech"] = np.zeros((12, 16, 29), np.float32)
    assert load_deepspeech(clip).shape == (12, 16, 29)


def test_temporal_windows_clamp_at_clip_edges():
    seq = torch.arange(10, dtype=torch.float32).reshape(1, 10, 1).repeat(2, 1, 1)
    w = gather_windows(seq, torch.tensor([10, 6]), torch.tensor([0, 5]), 5)
    assert w[0, :, 0].tolist() == [0, 0, 0, 1, 2]
    assert w[1, :, 0].tolist() == [3, 4, 5, 5, 5]  # clip 2 has 6 frames


def test_schedules_are_ldms():
    train = schedulers.train_scheduler()
    betas = train.betas.double()
    assert betas[0].item() == pytest.approx(0.0015) and betas[-1].item() == pytest.approx(0.0195)
    steps = betas.sqrt()[1:] - betas.sqrt()[:-1]
    assert torch.allclose(steps, steps[0].expand_as(steps), atol=1e-7)  # linear in sqrt(beta)
    ddim = schedulers.sampler("ddim", 200)
    assert ddim.timesteps[0].item() == 996 and ddim.timesteps[-1].item() == 1 and len(ddim.timesteps) == 200
    assert ddim.final_alpha_cumprod.item() == pytest.approx(train.alphas_cumprod[0].item())
    assert len(schedulers.sampler("dpmsolver", 20).timesteps) == 20


@pytest.mark.parametrize("name, steps, std_tol", [("ddim", 200, 0.03), ("dpmsolver", 100, 0.12)])
def test_samplers_solve_the_ode_on_gaussian_data(name, steps, std_tol):
    """With the exact ε of x0 ~ N(0.5, 0.3²) the samplers must return that distribution: catches
    a schedule or timestep mismatch between training and sampling. (Few-step DPM-Solver++
    shrinks the spread: ~0.21 at 20 steps, hence the looser bound at 100.)"""
    mu, s = 0.5, 0.3
    ac = schedulers.train_scheduler().alphas_cumprod.double()

    def eps(x, t):
        a, b = ac[int(t)].sqrt(), (1 - ac[int(t)]).sqrt()
        return b * (x - a * mu) / (a * a * s * s + b * b)  # E[ε | x_t] for Gaussian data

    sched = schedulers.sampler(name, steps)
    z = torch.randn(20000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for t in sched.timesteps:
        z = sched.step(eps(z, t), t, z).prev_sample
    assert float(z.mean()) == pytest.approx(mu, abs=0.01)
    assert float(z.std()) == pytest.approx(s, rel=std_tol)
