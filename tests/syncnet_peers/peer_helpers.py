"""Helpers of the peer-protocol reproduction tests (a uniquely named module: several test
folders have a conftest.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INPUTS = FIXTURES / "peer_sync_inputs"


def load_expected(name: str) -> dict:
    return json.loads((FIXTURES / name / "expected.json").read_text())


class Clips:
    """Built on first use, one clip at a time (x264 encodes are the slow part)."""

    def __init__(self, out: Path):
        sys.path.insert(0, str(INPUTS))
        import build_inputs

        self.build, self.out, self.paths = build_inputs, out, {"radio": build_inputs.RADIO}
        self.want = json.loads((INPUTS / "inputs_sha256.json").read_text())

    def __getitem__(self, name: str) -> Path:
        if name not in self.paths:
            path = self.build.build_clips(self.out, [name])[name]
            if self.build.sha256(path) != self.want[name]:  # another FFmpeg/x264: other bytes, other numbers
                pytest.skip(f"rebuilt input {name} differs from the fixture's (FFmpeg/x264 version); see PROTOCOL.md")
            self.paths[name] = path
        return self.paths[name]


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
