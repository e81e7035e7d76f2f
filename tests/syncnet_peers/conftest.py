"""Fixtures for the peer-protocol reproduction tests: the calibration SyncNet and the built
input clips (tests/fixtures/peer_sync_inputs/build_inputs.py, byte-checked)."""

from __future__ import annotations

import lzma
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_helpers import Clips  # noqa: E402


@pytest.fixture(scope="session")
def peer_weights(calibration, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("weights") / "syncnet_random_seed0.model"
    out.write_bytes(lzma.decompress((calibration / "syncnet_random_seed0.model.xz").read_bytes()))
    return out


@pytest.fixture(scope="session")
def peer_net(peer_weights):
    from talkbench_syncnet.model import load_syncnet

    return load_syncnet(peer_weights)


@pytest.fixture(scope="session")
def peer_clips(shared_dir, tmp_path_factory) -> Clips:
    if shutil.which("ffmpeg") is None:
        pytest.skip("the peer protocols call the ffmpeg CLI; apt-get install ffmpeg")
    return Clips(tmp_path_factory.mktemp("peer_inputs"))
