"""FastSyncNet (fast.py) computes the plain SyncNet's numbers: same windows, float rounding only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench_syncnet.fast import FastSyncNet
from talkbench_syncnet.model import load_syncnet
from talkbench_syncnet.scoring import audio_embeddings, lip_embeddings, offset_distances, summarise


def _frames(n: int, size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def calib_nets(calib_weights):
    net = load_syncnet(calib_weights)
    return net, FastSyncNet(net)


def test_fast_lip_and_audio_embeddings_match_plain_net(calib_nets):
    net, fast = calib_nets
    frames = _frames(13, 224)  # 9 windows; batch 4 → three batches, the last one short
    ref = lip_embeddings(net, frames, 9, batch_size=4)
    got = lip_embeddings(fast, frames, 9, batch_size=4)
    assert got.shape == ref.shape == (9, 1024)
    # PROTOCOL.md's embedding tolerance is 1e-5; the fast path's rounding stays well inside it
    torch.testing.assert_close(got, ref, rtol=0, atol=8e-6)
    assert (got - ref).abs().max() > 0  # really the other code path (folded BN, 2-D convs)

    mfcc = np.random.default_rng(1).normal(0, 20, (60, 13))
    torch.testing.assert_close(audio_embeddings(fast, mfcc, 9, 4), audio_embeddings(net, mfcc, 9, 4),
                               rtol=0, atol=8e-6)


def test_fast_forward_lip_on_separate_windows(calib_nets):
    net, fast = calib_nets
    x = torch.from_numpy(_frames(10, 224, seed=2)).float().permute(3, 0, 1, 2)
    windows = torch.stack([x[:, 0:5], x[:, 5:10]])  # two unrelated 5-frame windows
    with torch.no_grad():
        torch.testing.assert_close(fast.forward_lip(windows), net.forward_lip(windows), rtol=0, atol=8e-6)


def test_fast_lse_equals_plain_on_tiny_variant(tiny_weights):
    """The whole LSE reduction on a 64×64 variant: offsets equal, LSE within 1e-5."""
    net = load_syncnet(tiny_weights)
    fast = FastSyncNet(net)
    frames = _frames(30, 64, seed=3)
    mfcc = np.random.default_rng(4).normal(0, 20, (120, 13))
    out = []
    for model in (net, fast):
        im = lip_embeddings(model, frames, 25, batch_size=7)
        aud = audio_embeddings(model, mfcc, 25, batch_size=7)
        out.append(summarise(offset_distances(im, aud, 5), 5))
    (o1, c1, d1, m1), (o2, c2, d2, m2) = out
    assert o1 == o2
    assert c2 == pytest.approx(c1, abs=1e-5) and d2 == pytest.approx(d1, abs=1e-5)
    torch.testing.assert_close(m2, m1, rtol=0, atol=1e-5)


def test_fast_net_is_inference_only_and_checks_inputs(tiny_weights):
    fast = FastSyncNet(load_syncnet(tiny_weights))
    assert not any(p.requires_grad for p in fast.parameters())
    with pytest.raises(ValueError, match="precision 'int8'"):
        FastSyncNet(load_syncnet(tiny_weights), precision="int8")
    with pytest.raises(ValueError, match="final conv expects"):
        fast.forward_lip(torch.zeros(1, 3, 5, 96, 96))  # a 96×96 input into the 64×64 variant


def test_fast_mode_is_within_002_of_fp32_and_labelled(tiny_weights):
    """bf16/fp16 autocast moves LSE by < 0.02 (calibration KatieHill A, measured: bf16 LSE-D
    −0.0124, fp16 −0.0025); the table label names the mode."""
    import talkbench

    net = load_syncnet(tiny_weights)
    frames = _frames(30, 64, seed=5)
    mfcc = np.random.default_rng(6).normal(0, 20, (120, 13))
    res = {}
    for precision in ("fp32", "bf16"):
        fast = FastSyncNet(net, precision)
        im, aud = lip_embeddings(fast, frames, 25, 10), audio_embeddings(fast, mfcc, 25, 10)
        assert im.dtype == aud.dtype == torch.float32
        res[precision] = summarise(offset_distances(im, aud, 5), 5)
    assert res["bf16"][1] == pytest.approx(res["fp32"][1], abs=0.02)
    assert res["bf16"][2] == pytest.approx(res["fp32"][2], abs=0.02)
    assert res["bf16"][2] != res["fp32"][2]  # really ran in bf16
    proto = talkbench.get_metric("lse_d")(precision="bf16").protocol()
    assert proto["precision"] == "bf16" and proto["table_label"] == "LSE-D (bf16 fast mode)"
    assert "table_label" not in talkbench.get_metric("lse_d")().protocol()


def test_fast_mode_refused_where_slower(monkeypatch):
    from talkbench import OptionError
    from talkbench_syncnet import fast

    monkeypatch.setattr(fast, "_native_cpu", lambda precision: False)
    with pytest.raises(OptionError, match="precision=bf16 is slower than fp32 on this CPU.*--device cuda"):
        fast.check_precision("bf16", "cpu")
    fast.check_precision("bf16", "cuda:0")  # CUDA: allowed
    fast.check_precision("fp32", "cpu")
    monkeypatch.setattr(fast, "_native_cpu", lambda precision: True)
    fast.check_precision("fp16", "cpu")  # a CPU with native fp16 (AMX-FP16): allowed


@pytest.mark.parametrize("micro", [1, 3, 1000])
def test_micro_batches_give_bit_identical_features(tiny_weights, micro):
    """The lip tower convolves a few windows per call (cache-sized): any split gives the same
    features up to float rounding (oneDNN may pick another kernel for another batch size; on
    the full 224² net the bits were equal)."""
    fast = FastSyncNet(load_syncnet(tiny_weights))
    x = torch.from_numpy(_frames(17, 64, seed=5)).float()  # 13 windows: chunks of 5, 5, 3 by default
    with torch.no_grad():
        default = fast.netcnnlip.embed_frames(x)
        fast.netcnnlip.micro_batch = micro
        other = fast.netcnnlip.embed_frames(x)
    assert default.shape == other.shape == (13, default.shape[1])
    torch.testing.assert_close(other, default, rtol=0, atol=1e-5 * float(default.abs().max()))
