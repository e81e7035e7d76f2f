"""The network's key layout, checkpoint loading, and the weights registry's failure messages."""

from __future__ import annotations

import pytest
import torch

from talkbench import WeightsInvalidError, WeightsMissingError, get_metric
from talkbench.plugins import get_weight_specs
from talkbench_syncnet.model import OFFICIAL, SyncNet, SyncNetConfig, load_flat_state_dict, load_syncnet


def test_official_layout_loads_calibration_checkpoint(calib_weights):
    state = torch.load(calib_weights, map_location="cpu", weights_only=True)
    assert len(state) == 102  # includes modern torch's num_batches_tracked
    ours = SyncNet(OFFICIAL).state_dict()
    assert set(ours) == set(state)
    assert {k.split(".")[0] for k in ours} == {"netcnnaud", "netcnnlip", "netfcaud", "netfclip"}
    net = load_syncnet(calib_weights)
    assert not net.training
    torch.testing.assert_close(net.netcnnlip[18].weight, state["netcnnlip.18.weight"])
    assert net.forward_lip(torch.zeros(2, 3, 5, 224, 224)).shape == (2, 1024)
    assert net.forward_aud(torch.zeros(2, 1, 13, 20)).shape == (2, 1024)


def test_checkpoint_without_num_batches_tracked_loads(calib_weights):
    """The official syncnet_v2.model predates num_batches_tracked; those keys are ignored."""
    state = torch.load(calib_weights, map_location="cpu", weights_only=True)
    old = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    assert len(old) == 88
    net = SyncNet()
    load_flat_state_dict(net, old)
    torch.testing.assert_close(net.netfcaud[3].bias, state["netfcaud.3.bias"])


def test_wrong_checkpoint_is_one_clear_error(calib_weights):
    state = torch.load(calib_weights, map_location="cpu", weights_only=True)
    state.pop("netfclip.3.weight")
    with pytest.raises(ValueError, match=r"missing \['netfclip.3.weight'\]"):
        load_flat_state_dict(SyncNet(), state, source="x.model")
    small = SyncNet(SyncNetConfig(img_size=64, embed_dim=32, aud_widths=(8,) * 6, lip_widths=(8,) * 6, fc_dim=16))
    with pytest.raises(ValueError, match="wrong SyncNet variant"):
        load_flat_state_dict(small, torch.load(calib_weights, map_location="cpu", weights_only=True))


def test_weight_spec_is_registered_with_official_url():
    spec = get_weight_specs()["syncnet"]
    assert spec.filename == "syncnet_v2.model"
    assert spec.urls[0] == "http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model"


def test_missing_weights_name_file_url_and_place(monkeypatch):
    monkeypatch.delenv("TALKBENCH_WEIGHTS", raising=False)
    m = get_metric("lse_c")()
    with pytest.raises(WeightsMissingError) as err:
        m.load("cpu")
    msg = str(err.value)
    assert "syncnet_v2.model" in msg and "robots.ox.ac.uk" in msg and "--weights syncnet=PATH" in msg
    assert "\n" not in msg


def test_html_weights_file_is_rejected(tmp_path, use_weights):
    page = tmp_path / "syncnet_v2.model"
    page.write_text("<!DOCTYPE html><html><body>Sign in</body></html>")
    use_weights(page)
    with pytest.raises(WeightsInvalidError, match="HTML page"):
        get_metric("lse_d")().load("cpu")


def test_not_a_syncnet_file_is_weights_invalid(tmp_path, use_weights):
    bad = tmp_path / "other.model"
    torch.save({"encoder.weight": torch.zeros(3)}, bad)
    use_weights(bad)
    with pytest.raises(WeightsInvalidError, match="cannot load as SyncNet"):
        get_metric("lse_c")().load("cpu")


def test_metric_cards():
    c, d = get_metric("lse_c"), get_metric("lse_d")
    assert c.higher_is_better is True and d.higher_is_better is False
    assert c.card()["label"] == "LSE-C" and d.card()["label"] == "LSE-D"
    assert c.aggregation == "mean" and "syncnet" in c.weights
    opts = {o.name: o.default for o in c.options}
    assert opts == {"protocol": "lrs", "jpeg_roundtrip": True, "net": "official", "vshift": 15,
                    "batch_size": 20, "min_windows": 0, "precision": "fp32", "crop_scale": 0.4,
                    "face_backend": "auto",
                    # protocol=wild (syncnet_python run_pipeline's defaults; tests/syncnet_wild)
                    "face_geometry": "", "facedet_scale": 0.25, "det_conf": 0.9, "convert": True,
                    "shot_split": True, "min_track": 100, "num_failed_det": 25, "min_face_size": 100.0,
                    "xvid_roundtrip": True, "audio_span": "track", "track_combine": "all",
                    # protocol=mocha (MoChaBench's SyncNetPipeline; tests/syncnet_peers)
                    "mocha_speech": "file", "mocha_denoise": "none"}
