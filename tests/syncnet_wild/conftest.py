"""Fixtures for the wild-protocol tests: the fixture's files, its input clips (built on demand
with make_inputs.py and checked against inputs.json), the calibration SyncNet."""

from __future__ import annotations

import hashlib
import json
import lzma
import shutil
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "syncnet_wild"
CALIB_SHA256 = "fc7a6ec66faced070564fd52d1a6346a66199677d1db8eb2672b78205e31f542"

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None,
                                  reason="protocol=wild calls the ffmpeg CLI (apt-get install ffmpeg)")


@pytest.fixture(scope="session")
def wild_expected() -> dict:
    return json.loads((FIXTURE / "expected.json").read_text())


@pytest.fixture(scope="session")
def wild_geometry() -> dict:
    return json.loads((FIXTURE / "face_geometry.json").read_text())


@pytest.fixture(scope="session")
def wild_inputs(realdata, tmp_path_factory):
    """name → path of a fixture input clip, built once per session when first asked for."""
    sys.path.insert(0, str(FIXTURE))
    import make_inputs

    out = tmp_path_factory.mktemp("syncnet_wild_inputs")
    want = json.loads((FIXTURE / "inputs.json").read_text())
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            path = make_inputs.build_one(name, out)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert digest == want[name]["sha256"], (
                f"{path}: sha256 {digest} differs from inputs.json (another FFmpeg build?); see PROTOCOL.md")
            made[name] = path
        return made[name]

    return get


@pytest.fixture(scope="session")
def wild_net(calibration, tmp_path_factory):
    """The calibration fixture's seeded-random SyncNet, as the metric runs it (FastSyncNet)."""
    from talkbench_syncnet.fast import FastSyncNet
    from talkbench_syncnet.model import load_syncnet

    dst = tmp_path_factory.mktemp("syncnet_wild_w") / "syncnet_random_seed0.model"
    with lzma.open(calibration / "syncnet_random_seed0.model.xz") as f, open(dst, "wb") as out:
        shutil.copyfileobj(f, out)
    assert hashlib.sha256(dst.read_bytes()).hexdigest() == CALIB_SHA256
    return dst, FastSyncNet(load_syncnet(dst, "cpu"))


@pytest.fixture(scope="session")
def tiny_syncnet(tmp_path_factory):
    """A seeded random 64×64 SyncNet variant (fast metric-level tests)."""
    import torch

    from talkbench_syncnet.model import SyncNet, SyncNetConfig
    from talkbench_syncnet.train import save_weights

    torch.manual_seed(0)
    cfg = SyncNetConfig(img_size=64, embed_dim=32, aud_widths=(8, 16, 16, 16, 16, 32),
                        lip_widths=(8, 16, 16, 16, 16, 32), fc_dim=32)
    return save_weights(SyncNet(cfg).eval(), tmp_path_factory.mktemp("wild_tiny") / "tiny.model", {"purpose": "tests"})
