"""lse_c / lse_d with protocol=latentsync|mocha|syncnet-demo through the metric API: a given face
geometry file, the record's reference, failures that name the clip and the fix, the presets."""

from __future__ import annotations

import json

import pytest
from peer_helpers import INPUTS

from talkbench import ClipFailure, get_metric, load_clip, plugins


def _geometry(tmp_path, clip: str):
    info = json.loads((INPUTS / "boxes.json").read_text())["clips"][clip]
    path = tmp_path / "geometry.json"
    path.write_text(json.dumps({"format": "talkbench-face-geometry/1",
                                "clips": {clip: {"frames": info["n_frames"], "detections": info["boxes"]}}}))
    return path


def _metric(name, weights, monkeypatch, **opts):
    from talkbench_syncnet.metric import clear_caches

    monkeypatch.setenv("TALKBENCH_WEIGHTS", f"syncnet={weights}")
    clear_caches()
    m = get_metric(name)(**opts)
    m.load("cpu")
    return m


def test_latentsync_through_the_metric_names_reference_and_fails_a_clip_without_track(
        tmp_path, peer_clips, peer_weights, monkeypatch):
    m = _metric("lse_c", peer_weights, monkeypatch, protocol="latentsync", face_geometry=str(_geometry(tmp_path, "short")))
    assert m.protocol()["reference"].startswith("bytedance/LatentSync eval/eval_sync_conf.py")
    with pytest.raises(ClipFailure, match=r"short\.mp4: Face not detected"):
        m.compute(load_clip(peer_clips["short"]), None)


def test_syncnet_demo_through_the_metric_refuses_an_uncropped_file(peer_clips, peer_weights, monkeypatch):
    m = _metric("lse_d", peer_weights, monkeypatch, protocol="syncnet-demo")
    with pytest.raises(ClipFailure, match=r"short\.mp4: frames are 512×512"):
        m.compute(load_clip(peer_clips["short"]), None)


def test_mocha_reference_speech_needs_dataset_audio(peer_clips, peer_weights, monkeypatch, tmp_path):
    m = _metric("lse_c", peer_weights, monkeypatch, protocol="mocha", mocha_speech="reference",
                face_geometry=str(_geometry(tmp_path, "short")))
    with pytest.raises(ClipFailure, match="mocha_speech=reference, and the dataset gives no driving audio"):
        m.compute(load_clip(peer_clips["short"]), None)


def test_peer_presets_are_registered_with_their_protocol_option():
    plugins.reset_plugins()
    try:
        protos = plugins.get_protocols()
        for name in ("latentsync", "mocha", "syncnet-demo"):
            assert protos[name].options["syncnet"]["protocol"] == name
        assert protos["mocha"].options["syncnet"]["mocha_denoise"] == "none"  # the published pipeline's default
    finally:
        plugins.reset_plugins()
