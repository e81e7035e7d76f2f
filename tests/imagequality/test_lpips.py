"""LPIPS loads the backbone through the weights registry and equals lpips with the same weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench import Clip, MetricUnavailable, import_torchvision
from talkbench.weights import clear_weight_overrides, set_weight_override
from talkbench_imagequality import LPIPS


@pytest.fixture()
def seeded_alexnet(tmp_path):
    """A torchvision-layout AlexNet checkpoint with seeded random weights."""
    tv = import_torchvision()
    torch.manual_seed(0)
    net = tv.models.alexnet(weights=None)
    path = tmp_path / "alexnet-random.pth"
    torch.save(net.state_dict(), path)
    yield path, net
    clear_weight_overrides()


def _clip(frames, cid):
    return Clip(id=cid, frames_source=frames, audio_source=np.zeros(640 * len(frames), np.float32))


def test_lpips_equals_package_with_same_backbone(seeded_alexnet):
    path, net = seeded_alexnet
    set_weight_override("lpips-alex", path)
    metric = LPIPS(region="full", size=64)
    metric.load("cpu")
    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, (3, 64, 64, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-40, 40, a.shape), 0, 255).astype(np.uint8)
    res = metric.compute(_clip(a, "a"), _clip(b, "b"))

    import lpips

    ref_model = lpips.LPIPS(net="alex", pnet_rand=True, verbose=False).eval()
    # independent wiring: copy torchvision's feature modules into lpips' slices by index
    for slice_mod in ref_model.net.children():
        for idx, layer in slice_mod.named_children():
            layer.load_state_dict(net.features[int(idx)].state_dict())
    with torch.no_grad():
        ta = torch.from_numpy(a).permute(0, 3, 1, 2).float() / 127.5 - 1
        tb = torch.from_numpy(b).permute(0, 3, 1, 2).float() / 127.5 - 1
        expected = ref_model(ta, tb).flatten().numpy()
    assert res["value"] == pytest.approx(float(expected.mean()), rel=1e-6)
    assert res["n"] == 3
    assert metric.compute(_clip(a, "a"), _clip(a, "a"))["value"] == pytest.approx(0.0, abs=1e-7)
    rec = metric.weight_records()
    assert rec[0]["override"] and len(rec[0]["sha256"]) == 64
    assert metric.protocol()["input_range"] == "[-1, 1]" and metric.protocol()["net"] == "alex"


def test_lpips_unavailable_offline_names_file_url_and_place():
    clear_weight_overrides()
    metric = LPIPS()
    with pytest.raises(MetricUnavailable) as err:
        metric.load("cpu")
    msg = str(err.value)
    assert "alexnet-owt-7be5be79.pth" in msg
    assert "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth" in msg
    assert "--weights lpips-alex=PATH" in msg


def test_lpips_rejects_wrong_file_in_registry_place(tmp_path, monkeypatch):
    from talkbench.weights import weights_dir

    clear_weight_overrides()
    weights_dir().mkdir(parents=True, exist_ok=True)
    (weights_dir() / "alexnet-owt-7be5be79.pth").write_bytes(b"<!DOCTYPE html><html>login</html>")
    try:
        with pytest.raises(MetricUnavailable, match="HTML page"):
            LPIPS().load("cpu")
        torch.save({"features.0.weight": torch.zeros(1)}, weights_dir() / "alexnet-owt-7be5be79.pth")
        with pytest.raises(MetricUnavailable, match="sha256"):
            LPIPS().load("cpu")
    finally:
        (weights_dir() / "alexnet-owt-7be5be79.pth").unlink()


def test_lpips_records_its_face_backend_like_psnr_and_ssim(seeded_alexnet):
    """LPIPS on the face region names the backend that made the boxes and says so when the
    generated clip is shorter, exactly as PSNR/SSIM do (one provenance path for region metrics)."""
    path, _ = seeded_alexnet
    set_weight_override("lpips-alex", path)
    n, size = 4, 64
    frames = np.full((n, size, size, 3), 120, np.uint8)
    lm = np.tile(np.stack(np.meshgrid(np.linspace(16, 48, 17), [20, 44]), -1).reshape(-1, 2)[:68], (n, 1, 1))
    lm = np.concatenate([lm, np.full((n, 68 - lm.shape[1], 2), 32.0)], axis=1).astype(np.float32)
    ref = Clip(id="given", frames_source=frames, meta={"landmarks": lm})
    metric = LPIPS(size=32)
    metric.load("cpu")
    out = metric.compute(ref.replace(frames=frames[:2]), ref)
    assert out["faces"]["backend"] == "given" and out["faces"]["labelled"] is False
    assert out["note"] == "computed on 2 of the reference's 4 frames (the generated clip is shorter)"
    assert metric.aggregate([out])["faces"]["backends"][0]["backend"] == "given"
    assert LPIPS(face_backend="dlib").protocol()["table_note"] == "dlib face boxes"
