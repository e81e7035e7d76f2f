"""Fixtures for the SyncNet tests: the calibration weights (lzma-decompressed once) and a tiny
random SyncNet variant for fast bad-input tests."""

from __future__ import annotations

import hashlib
import json
import lzma
import shutil

import pytest
import torch

CALIB_SHA256 = "fc7a6ec66faced070564fd52d1a6346a66199677d1db8eb2672b78205e31f542"


@pytest.fixture(scope="session")
def calib_weights(calibration, tmp_path_factory):
    """The seeded-random SyncNet of ../shared/calibration, decompressed with lzma."""
    src = calibration / "syncnet_random_seed0.model.xz"
    dst = tmp_path_factory.mktemp("syncnet_calib") / "syncnet_random_seed0.model"
    with lzma.open(src) as f, open(dst, "wb") as out:
        shutil.copyfileobj(f, out)
    digest = hashlib.sha256(dst.read_bytes()).hexdigest()
    assert digest == CALIB_SHA256, f"{src}: decompressed sha256 {digest} is not the documented one"
    return dst


@pytest.fixture(scope="session")
def calib_expected(calibration):
    return json.loads((calibration / "syncnet_expected.json").read_text())


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """A seeded random 64×64 SyncNet variant saved the way the trainer saves variants."""
    from talkbench_syncnet.model import SyncNet, SyncNetConfig
    from talkbench_syncnet.train import save_weights

    torch.manual_seed(0)
    cfg = SyncNetConfig(img_size=64, embed_dim=32, aud_widths=(8, 16, 16, 16, 16, 32),
                        lip_widths=(8, 16, 16, 16, 16, 32), fc_dim=32)
    path = tmp_path_factory.mktemp("syncnet_tiny") / "tiny.model"
    return save_weights(SyncNet(cfg).eval(), path, {"purpose": "tests"})


@pytest.fixture
def use_weights(monkeypatch):
    """Point weights 'syncnet' at a file the way `--weights syncnet=PATH` does (env form)."""
    from talkbench_syncnet.metric import clear_caches

    def _use(path):
        monkeypatch.setenv("TALKBENCH_WEIGHTS", f"syncnet={path}")
        clear_caches()

    yield _use
    clear_caches()
