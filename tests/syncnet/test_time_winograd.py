"""The first lip conv by Winograd in time equals the direct window-by-window convolution."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch
import torch.nn.functional as F

from talkbench_syncnet.fast import FastSyncNet
from talkbench_syncnet.model import load_syncnet
from talkbench_syncnet.time_winograd import POINTS, TILE, TimeWinogradConv, _recombination, toom_cook


@pytest.fixture(scope="module")
def calib_nets(calib_weights):
    net = load_syncnet(calib_weights)
    return net, FastSyncNet(net)


def test_toom_cook_f45_is_the_windowed_correlation():
    a_t, g, c_t = toom_cook(4, 5)
    assert a_t.shape == (4, 8) and g.shape == (8, 5) and c_t.shape == (8, 8)
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        w = torch.randint(-9, 10, (5,), generator=gen).double()
        d = torch.randint(0, 256, (8,), generator=gen).double()
        direct = torch.stack([(w * d[i: i + 5]).sum() for i in range(4)])
        torch.testing.assert_close(a_t @ ((g @ w) * (c_t @ d)), direct, rtol=0, atol=1e-9)


def test_points_must_be_zero_and_pairs():
    assert _recombination(POINTS)[0] == 0 and len(_recombination(POINTS)[2]) == 3
    with pytest.raises(ValueError, match="0 and ± pairs"):
        _recombination((0, 1, 2))
    with pytest.raises(ValueError, match="needs 7 finite points"):
        toom_cook(4, 5, points=(0, 1, -1))


def _direct64(frames: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    x, w = frames.permute(0, 3, 1, 2).double(), weight.double()
    n = frames.shape[0] - 4
    return torch.cat([sum(F.conv2d(x[i + t: i + t + 1], w[:, :, t], None, 2) for t in range(5)) for i in range(n)])


@pytest.mark.parametrize("windows", [1, 3, 4, 7, 12])
def test_time_winograd_conv_matches_float64_direct(windows):
    gen = torch.Generator().manual_seed(windows)
    weight = torch.randn(16, 3, 5, 7, 7, generator=gen) * 0.05
    frames = torch.randint(0, 256, (windows + 4, 40, 36, 3), generator=gen).float()
    conv = TimeWinogradConv(weight, (2, 2), rows=5)  # several row bands, the last one short
    got = conv(frames)
    ref = _direct64(frames, weight)
    assert got.shape == ref.shape == (windows, 16, 17, 15)
    assert got.is_contiguous(memory_format=torch.channels_last)
    err = float((got.double() - ref).abs().max() / ref.abs().max())
    assert err < 2e-6, err
    # the same as the direct float32 conv to float rounding
    stacked = frames.permute(3, 0, 1, 2).unfold(1, 5, 1).permute(1, 0, 4, 2, 3)  # (n, 3, 5, H, W)
    direct32 = F.conv2d(stacked.reshape(windows, 15, 40, 36), weight.reshape(16, 15, 7, 7), None, 2)
    assert float((direct32.double() - ref).abs().max() / ref.abs().max()) < 2e-6
    with pytest.raises(ValueError, match="make no 5-frame window"):
        conv(frames[:4])


def test_fast_lip_tower_with_and_without_time_winograd(calib_nets):
    net, fast = calib_nets
    lip = fast.netcnnlip
    gen = torch.Generator().manual_seed(3)
    frames = torch.randint(0, 256, (15, 224, 224, 3), generator=gen).float()
    assert lip.time_winograd and lip.micro_batch % TILE == 0
    with torch.no_grad():
        on = lip.embed_frames(frames)
        lip.time_winograd = False
        try:
            off = lip.embed_frames(frames)
        finally:
            lip.time_winograd = True
        windows = frames.permute(3, 0, 1, 2)[None].unfold(2, 5, 1)[0].permute(1, 0, 4, 2, 3).contiguous()
        plain = net.netcnnlip(windows).reshape(windows.shape[0], -1)
    assert on.shape == off.shape == (11, 512)
    scale = float(plain.abs().max())
    torch.testing.assert_close(on, plain, rtol=0, atol=1e-5 * scale)
    torch.testing.assert_close(off, plain, rtol=0, atol=1e-5 * scale)
    assert Fraction(POINTS[5]) == Fraction(1, 2)
