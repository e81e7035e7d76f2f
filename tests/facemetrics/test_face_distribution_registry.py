"""The new metrics and weights are registered through the entry points, with their cards."""

from __future__ import annotations

from talkbench.plugins import get_metrics, get_weight_specs


def test_metrics_registered_with_cards():
    metrics = get_metrics()
    expect = {"fid": False, "fvd": False, "csim": True, "csim_dlib": True, "lmd": False, "cpbd": True}
    for name, higher in expect.items():
        card = metrics[name].card()
        assert card["higher_is_better"] is higher, name
        assert card["range"] is not None and card["aggregation"] in ("mean", "pooled", "corpus"), name
    assert metrics["lmd"].card()["aggregation"] == "pooled"  # ViCo: one mean over every frame
    assert metrics["fid"].card()["aggregation"] == "corpus" == metrics["fvd"].card()["aggregation"]
    assert metrics["csim_dlib"].card()["label"] == "CSIM (dlib)"


def test_weights_registry_lists_every_new_file_with_url():
    specs = get_weight_specs()
    files = {"fid-inception": "pt_inception-2015-12-05-6726825d.pth", "fvd-i3d": "i3d_torchscript.pt",
             "arcface-glintr100": "glintr100.onnx", "arcface-w600k-r50": "w600k_r50.onnx"}
    for name, filename in files.items():
        assert specs[name].filename == filename and specs[name].urls[0].startswith("https://"), name
