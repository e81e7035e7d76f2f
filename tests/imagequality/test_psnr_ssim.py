"""psnr/ssim equal independent computations (skimage, TalkLip's formulas) on real frames."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from talkbench import Clip
from talkbench_imagequality import PSNR, SSIM, psnr_frames


def _clip(frames, cid="c"):
    return Clip(id=cid, frames_source=frames, audio_source=np.zeros(640 * len(frames), np.float32))


@pytest.fixture(scope="module")
def real_pair(realdata):
    from talkbench import load_clip

    ref = load_clip(realdata / "video" / "videoretalking_face_5.mp4").frames[:12]
    rng = np.random.default_rng(0)
    noisy = np.clip(ref.astype(np.int16) + rng.integers(-20, 21, ref.shape), 0, 255).astype(np.uint8)
    return _clip(noisy, "gen"), _clip(ref, "ref")


def test_psnr_full_frame_equals_skimage_per_frame_pooled(real_pair):
    gen, ref = real_pair
    metric = PSNR(region="full", size=0)
    res = metric.compute(gen, ref)
    expected = [peak_signal_noise_ratio(r, g, data_range=255) for g, r in zip(gen.frames, ref.frames)]
    assert res["n"] == 12
    assert res["value"] == pytest.approx(np.mean(expected), abs=1e-9)
    assert 20 < res["value"] < 35


def test_psnr_is_float_not_uint8_and_compat_reproduces_talklip():
    a = np.full((2, 8, 8, 3), 10, np.uint8)
    b = np.full((2, 8, 8, 3), 20, np.uint8)
    # float arithmetic: MSE = 100 -> 28.13 dB, whichever way round
    assert psnr_frames(a, b) == pytest.approx([10 * np.log10(255**2 / 100)] * 2)
    assert psnr_frames(b, a) == pytest.approx(psnr_frames(a, b))
    # TalkLip's formula on uint8 arrays: (orig - synt) wraps to 246 and 246**2 wraps to 100 -> mse 100
    # for one order, and (20-10)**2 = 100 for the other: written out independently here
    orig, synt = a, b
    mse = np.mean((orig - synt) ** 2)
    talklip = 20 * np.log10(255.0 / np.sqrt(mse))
    assert psnr_frames(synt, orig, compat_uint8=True)[0] == pytest.approx(talklip)
    c = np.full((1, 8, 8, 3), 200, np.uint8)
    d = np.full((1, 8, 8, 3), 0, np.uint8)
    # a 200-level error: float MSE 40000 vs wrapped (200**2 % 256 = 64)
    assert psnr_frames(c, d)[0] == pytest.approx(10 * np.log10(255**2 / 40000))
    assert psnr_frames(d, c, compat_uint8=True)[0] == pytest.approx(10 * np.log10(255**2 / 64))


def test_identical_frames_get_cap_and_gt_row_is_undefined(real_pair):
    _, ref = real_pair
    metric = PSNR(region="full", size=32)
    res = metric.compute(ref, ref)
    assert res["value"] == 100.0 and res["identical_frames"] == 12
    agg = metric.aggregate([res, res])
    assert agg["value"] is None and "undefined" in agg["reason"]


def test_pooled_aggregation_is_frame_weighted():
    metric = PSNR(region="full", size=0)
    agg = metric.aggregate([{"value": 30.0, "n": 10, "identical_frames": 0}, {"value": 20.0, "n": 30, "identical_frames": 0}])
    assert agg["value"] == pytest.approx((30 * 10 + 20 * 30) / 40)
    assert agg["clip_mean"] == pytest.approx(25.0)


def test_ssim_equals_skimage_talklip_call(real_pair):
    gen, ref = real_pair
    res = SSIM(region="full", size=96).compute(gen, ref)
    import cv2

    vals = []
    for g, r in zip(gen.frames, ref.frames):
        g96 = cv2.resize(g, (96, 96))[:, :, ::-1]  # TalkLip reads BGR with cv2; order must not matter
        r96 = cv2.resize(r, (96, 96))[:, :, ::-1]
        vals.append(structural_similarity(r96, g96, channel_axis=2, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False, data_range=255))
    assert res["value"] == pytest.approx(np.mean(vals), abs=1e-12)
    assert SSIM(region="full", size=96).compute(ref, ref)["value"] == pytest.approx(1.0)


def test_gray_and_resolution_mismatch(real_pair):
    gen, ref = real_pair
    small = _clip(np.stack([f[::2, ::2] for f in gen.frames]), "small")
    res = PSNR(region="full", size=0, color="gray").compute(small, ref)
    assert res["n"] == 12 and np.isfinite(res["value"])


def test_face_region_uses_reference_boxes():
    """region=face crops the reference's face box (given by clip meta) from both videos."""
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 255, (4, 64, 64, 3), dtype=np.uint8)
    gen = frames.copy()
    gen[:, :, :32] = 0  # damage only outside the face box below
    ref = _clip(frames, "ref")
    boxes = np.tile(np.array([[34, 10, 60, 50]], np.float32), (4, 1))
    lm = np.zeros((4, 68, 2), np.float32)
    lm[..., 0], lm[..., 1] = 47, 30
    ref.meta.update(boxes=boxes, landmarks=lm)
    res = PSNR(region="face", size=32, face_backend="given").compute(_clip(gen, "gen"), ref)
    assert res["value"] == 100.0  # the face box is untouched
    full = PSNR(region="full", size=0).compute(_clip(gen, "gen"), ref)
    assert full["value"] < 20


def test_options_are_validated():
    from talkbench import OptionError

    with pytest.raises(OptionError, match="region"):
        PSNR(region="mouth")
    with pytest.raises(OptionError, match="did you mean size"):
        SSIM(sise=3)
