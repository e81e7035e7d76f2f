"""FVD: a seeded random I3D-signature network scripted into the TorchScript layout StyleGAN-V
loads (forward(x, rescale, resize, return_features)); our FVD equals StyleGAN-V's compute_fvd
arithmetic on independently built inputs (trilinear resize of the 5-D video, [-1, 1])."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import linalg
from torch import nn

from talkbench import Clip, ClipFailure, WeightsMissingError, get_metric, load_clip
from talkbench.weights import clear_weight_overrides, set_weight_override
from talkbench_distribution.frechet import pack_features, unpack_features
from talkbench_distribution.fvd import window_starts


class TinyI3D(nn.Module):
    """Same call signature and output size (400) as StyleGAN-V's i3d_torchscript.pt."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv3d(3, 8, kernel_size=(3, 7, 7), stride=(2, 4, 4))
        self.fc = nn.Linear(8, 400)

    def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False,
                return_features: bool = False) -> torch.Tensor:
        if rescale:
            x = x / 127.5 - 1
        if resize:
            x = F.interpolate(x, size=(x.shape[2], 224, 224), mode="trilinear", align_corners=False)
        y = self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3, 4)))
        return y if return_features else torch.softmax(y, dim=1)


@pytest.fixture(scope="module")
def i3d(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("fvd") / "i3d_torchscript.pt"
    net = TinyI3D().eval()
    torch.jit.script(net).save(str(path))
    set_weight_override("fvd-i3d", path)
    yield net
    clear_weight_overrides()


@pytest.fixture(scope="module")
def frames(realdata):
    return load_clip(realdata / "video" / "videoretalking_face_5.mp4").frames[:48]


def _clip(frames, cid):
    return Clip(id=cid, frames_source=frames, audio_source=np.zeros(640 * len(frames), np.float32))


def _stylegan_v_fvd(feats_gen, feats_real):
    mu_g, sig_g = feats_gen.mean(0), np.cov(feats_gen, rowvar=False)
    mu_r, sig_r = feats_real.mean(0), np.cov(feats_real, rowvar=False)
    m = np.square(mu_g - mu_r).sum()
    s, _ = linalg.sqrtm(np.dot(sig_g, sig_r), disp=False)
    return float(np.real(m + np.trace(sig_g + sig_r - s * 2)))


def _reference_features(net, frames, starts):
    vids = torch.stack([torch.from_numpy(frames[s:s + 16]).float() for s in starts])  # N×T×H×W×C
    x = vids.permute(0, 4, 1, 2, 3)
    x = F.interpolate(x, size=(16, 224, 224), mode="trilinear", align_corners=False) / 127.5 - 1
    with torch.no_grad():
        return net(x, rescale=False, resize=False, return_features=True).double().numpy()


def test_window_sampling():
    assert window_starts(48, "all") == [0, 16, 32] and window_starts(47, "all") == [0, 16]
    assert window_starts(36, "latentsync") == [20] and window_starts(35, "latentsync") == []


@pytest.fixture(scope="module")
def fvd_results(i3d, frames):
    fvd = get_metric("fvd")(batch_size=2)
    fvd.load("cpu")
    rng = np.random.default_rng(0)
    gt, results, gens = _clip(frames, "gt"), [], []
    for k, sigma in enumerate((15, 30)):
        noisy = np.clip(frames + rng.normal(0, sigma, frames.shape), 0, 255).astype(np.uint8)
        gens.append(noisy)
        results.append(json.loads(json.dumps(fvd.compute(_clip(noisy, f"g{k}"), gt))))
    fg = np.concatenate([_reference_features(i3d, g, [0, 16, 32]) for g in gens])
    fr = np.concatenate([_reference_features(i3d, frames, [0, 16, 32])] * 2)
    return fvd, results, fg, fr


def test_fvd_features_and_distance_equal_stylegan_v(fvd_results):
    fvd, results, fg, fr = fvd_results
    assert all(r["n"] == 3 and r["value"] is None and r["window_starts"] == [0, 16, 32] for r in results)
    got_g = np.concatenate([unpack_features(r["features"]) for r in results])
    got_r = np.concatenate([unpack_features(r["ref_features"]) for r in results])
    np.testing.assert_allclose(got_g, fg, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_r, fr, rtol=1e-4, atol=1e-5)
    # the corpus distance on 5 of the 400 dims (a 400-d sqrtm takes long on 2 loaded cores;
    # the slow test runs it in full)
    few = [{k: pack_features(unpack_features(r[k])[:, :5]) for k in ("features", "ref_features")}
           for r in results]
    assert fvd.aggregate(few)["value"] == pytest.approx(_stylegan_v_fvd(fg[:, :5], fr[:, :5]), rel=1e-4)
    assert fvd.protocol()["detector_kwargs"] == "rescale=False, resize=False, return_features=True"


@pytest.mark.slow
def test_fvd_full_400d_equals_stylegan_v(fvd_results, frames):
    fvd, results, fg, fr = fvd_results
    got = fvd.aggregate(results)
    assert got["n"] == 6 and got["value"] == pytest.approx(_stylegan_v_fvd(fg, fr), rel=1e-4)
    gt = _clip(frames, "gt")
    assert fvd.aggregate([json.loads(json.dumps(fvd.compute(gt, gt)))])["value"] == pytest.approx(0, abs=1e-6)


def test_fvd_short_clip_fails_visibly_and_missing_weights(i3d, frames):
    fvd = get_metric("fvd")(windows="latentsync")
    fvd.load("cpu")
    with pytest.raises(ClipFailure, match="needs at least 36"):
        fvd.compute(_clip(frames[:30], "short"), _clip(frames[:30], "short"))
    clear_weight_overrides()
    with pytest.raises(WeightsMissingError, match="i3d_torchscript.pt"):
        get_metric("fvd")().load("cpu")
