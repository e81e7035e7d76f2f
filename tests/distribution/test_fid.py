"""FID equals pytorch-fid 0.3.0 (network output and distance) with the same seeded random weights
on real frames; clean-fid's resize equals the clean-fid package's; corpus aggregation, caching
and the missing-weights message. The network has random weights: values are not official FIDs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from talkbench import Clip, WeightsMissingError, get_metric, import_torchvision, load_clip, resolve_weight
from talkbench.weights import clear_weight_overrides, set_weight_override
from talkbench_distribution.frechet import corpus_distance, feature_stats, frechet_distance, pack_features, unpack_features
from talkbench_distribution.inception import load_fid_features
from talkbench_distribution.regions import clean_resize, to_network_input

from fid_helpers import random_fid_state_dict, write_random_fid_weights


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = write_random_fid_weights(tmp_path_factory.mktemp("fid"))
    set_weight_override("fid-inception", path)
    yield path
    clear_weight_overrides()


@pytest.fixture(scope="module")
def frames(realdata):
    return load_clip(realdata / "video" / "videoretalking_face_5.mp4").frames[:4]


def _clip(frames, cid):
    return Clip(id=cid, frames_source=frames, audio_source=np.zeros(640 * len(frames), np.float32))


def _pytorch_fid_model(state, monkeypatch):
    import_torchvision()
    from pytorch_fid import inception

    monkeypatch.setattr(inception, "load_state_dict_from_url", lambda *a, **k: state)
    return inception.InceptionV3([3]).eval()


def test_features_equal_pytorch_fid_inception_on_real_frames(weights, frames, monkeypatch):
    ref_model = _pytorch_fid_model(torch.load(weights, weights_only=True), monkeypatch)
    ours = load_fid_features(weights)
    crop = frames[:, 100:400, 120:420]  # a face-sized crop of another size than 299
    with torch.no_grad():
        # pytorch-fid's path: ToTensor ([0,1]) then the model resizes to 299 itself
        x = torch.from_numpy(np.ascontiguousarray(crop)).permute(0, 3, 1, 2).float() / 255.0
        expected = ref_model(x)[0].squeeze(-1).squeeze(-1).numpy()
        got = ours(to_network_input(list(crop), "pytorch-fid"), resize=False).numpy()
    assert got.shape == (4, 2048)
    assert np.abs(expected).max() > 0
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_frechet_distance_equals_pytorch_fid_and_scipy_sqrtm():
    import_torchvision()  # pytorch-fid imports torchvision: the core's shim first
    from pytorch_fid.fid_score import calculate_frechet_distance
    from scipy import linalg

    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(300, 16)), rng.normal(0.3, 1.2, size=(280, 16))
    (m1, s1), (m2, s2) = feature_stats(a), feature_stats(b)
    ours = frechet_distance(m1, s1, m2, s2)
    assert ours == pytest.approx(calculate_frechet_distance(m1, s1, m2, s2), rel=1e-10)
    direct = ((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert ours == pytest.approx(direct, rel=1e-10)
    assert frechet_distance(m1, s1, m1, s1) == pytest.approx(0.0, abs=1e-8)


def test_clean_resize_equals_clean_fid(frames):
    from cleanfid.resize import make_resizer

    expected = make_resizer("PIL", False, "bicubic", (299, 299))(frames[0][50:300, 60:330])
    got = clean_resize(frames[0][50:300, 60:330])
    assert got.shape == (299, 299, 3) and got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_features_pack_roundtrip_is_exact_and_json():
    x = np.random.default_rng(2).normal(size=(5, 2048)).astype(np.float32)
    packed = json.loads(json.dumps(pack_features(x)))
    np.testing.assert_array_equal(unpack_features(packed), x)


@pytest.fixture(scope="module")
def fid_results(weights, frames):
    fid = get_metric("fid")(crop="full", batch_size=4)
    fid.load("cpu")
    gt = _clip(frames, "gt")
    rng = np.random.default_rng(3)
    per_clip = {}
    for sigma in (0, 10, 40):
        noisy = np.clip(frames + rng.normal(0, sigma, frames.shape), 0, 255).astype(np.uint8)
        res = fid.compute(_clip(noisy, f"n{sigma}"), gt)
        per_clip[sigma] = json.loads(json.dumps(res))  # what the scores file keeps
    return fid, per_clip


def test_fid_metric_caches_features_and_pools_the_corpus(fid_results):
    fid, per_clip = fid_results
    res = per_clip[0]
    assert res["n"] == 4 and res["value"] is None  # no per-clip FID: n frames only
    np.testing.assert_array_equal(unpack_features(res["features"]), unpack_features(res["ref_features"]))
    assert not np.array_equal(unpack_features(per_clip[40]["features"]), unpack_features(res["ref_features"]))

    def first_dims(r, d=6):  # a 2048-d sqrtm takes minutes on 2 loaded cores: pin pooling on 6 dims
        return {k: pack_features(unpack_features(r[k])[:, :d]) for k in ("features", "ref_features")}

    both = corpus_distance([first_dims(per_clip[10]), first_dims(per_clip[40])])
    assert both["n"] == 8 and both["n_reference"] == 8
    g = np.concatenate([unpack_features(per_clip[s]["features"])[:, :6] for s in (10, 40)])
    r = np.concatenate([unpack_features(per_clip[s]["ref_features"])[:, :6] for s in (10, 40)])
    assert both["value"] == pytest.approx(frechet_distance(*feature_stats(g), *feature_stats(r)), rel=1e-12)
    prot = fid.protocol()
    assert prot["crop"] == "full" and prot["resize"] == "pytorch-fid" and "pooled" in prot["pooling"]


@pytest.mark.slow
def test_fid_gt_vs_gt_is_zero_and_grows_with_noise(fid_results):
    fid, per_clip = fid_results  # random-weight network: the ordering is the check, not the values
    values = {s: fid.aggregate([r])["value"] for s, r in per_clip.items()}
    assert values[0] == pytest.approx(0.0, abs=1e-6)
    assert 0 < values[10] < values[40]
    assert "rank-deficient" in fid.aggregate([per_clip[10]])["warning"]


def test_missing_weights_name_file_url_and_place():
    clear_weight_overrides()
    fid = get_metric("fid")()
    with pytest.raises(WeightsMissingError) as exc:
        fid.load("cpu")
    msg = str(exc.value)
    assert "pt_inception-2015-12-05-6726825d.pth" in msg
    assert "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" in msg
    assert "--weights fid-inception=PATH" in msg


def test_wrong_file_layout_is_a_clear_error(tmp_path):
    from talkbench import WeightsInvalidError

    bad = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    torch.save({"conv.weight": torch.zeros(3)}, bad)
    with pytest.raises(WeightsInvalidError, match="not pytorch-fid's FID Inception state dict"):
        load_fid_features(bad)
