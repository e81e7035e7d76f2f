"""Fixtures for the peer-protocol reproduction tests: the calibration SyncNet, the built input
clips (tests/fixtures/peer_sync_inputs/build_inputs.py, byte-checked), the stored boxes."""

from __future__ import annotations

import json
import lzma
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INPUTS = FIXTURES / "peer_sync_inputs"


def load_expected(name: str) -> dict:
    return json.loads((FIXTURES / name / "expected.json").read_text())


@pytest.fixture(scope="session")
def peer_net(calibration, tmp_path_factory):
    from talkbench_syncnet.model import load_syncnet

    out = tmp_path_factory.mktemp("weights") / "syncnet_random_seed0.model"
    out.write_bytes(lzma.decompress((calibration / "syncnet_random_seed0.model.xz").read_bytes()))
    return load_syncnet(out)


@pytest.fixture(scope="session")
def peer_clips(shared_dir, tmp_path_factory) -> dict[str, Path]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("the peer protocols call the ffmpeg CLI; apt-get install ffmpeg")
    sys.path.insert(0, str(INPUTS))
    import build_inputs

    clips = build_inputs.build_clips(tmp_path_factory.mktemp("peer_inputs"))
    want = json.loads((INPUTS / "inputs_sha256.json").read_text())
    got = {name: build_inputs.sha256(p) for name, p in clips.items()}
    bad = [n for n in got if got[n] != want[n]]
    if bad:  # another FFmpeg/x264 makes other bytes: the fixture's numbers are not for them
        pytest.skip(f"rebuilt inputs {bad} differ from the fixture's (FFmpeg/x264 version); see its PROTOCOL.md")
    clips["radio"] = build_inputs.RADIO
    return clips


def box_detector(boxes_file: Path, clip: str):
    """The stored stand-in S3FD boxes of ``clip``, as the pipelines' ``detect`` callable."""
    info = json.loads(boxes_file.read_text())["clips"][clip]

    def detect(frames: np.ndarray) -> list:
        assert [frames.shape[2], frames.shape[1]] == info["size"], "frames are not the fixture's frames"
        return info["boxes"]

    return detect


def assert_track_matches(got: dict, geometry: dict, want: dict) -> None:
    """One track against the fixture: span equal, boxes within 1 px, offset equal, LSE within 1e-4."""
    assert [int(f) for f in geometry["frames"]] == want["frames"]
    for key, ref in (("bbox", want["bbox"]), ("s", want["s"]), ("x", want["x"]), ("y", want["y"])):
        assert np.max(np.abs(np.asarray(geometry[key]) - np.asarray(ref))) <= 1.0, key
    assert got["offset"] == want["offset"]
    assert got["lse_c"] == pytest.approx(want["conf"], abs=1e-4)
    assert got["lse_d"] == pytest.approx(want["min_dist"], abs=1e-4)
    np.testing.assert_allclose(got["mdist"], want["mdist"], atol=1e-4)
    assert got["jpgs"] == want["jpgs"] and got["audio_samples"] == want["audio_samples"]
