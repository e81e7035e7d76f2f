"""protocol=syncnet-demo reproduces syncnet_python's demo_syncnet.py run unmodified (tests/fixtures/syncnet_demo)."""

from __future__ import annotations

import numpy as np
import pytest
from peer_helpers import load_expected

from talkbench import ClipFailure

EXPECTED = load_expected("syncnet_demo")


def _check(got, want):
    assert got["offset"] == want["offset"]
    assert got["lse_c"] == pytest.approx(want["conf"], abs=1e-4)
    assert got["lse_d"] == pytest.approx(want["min_dist"], abs=1e-4)
    np.testing.assert_allclose(got["tracks"][0]["mdist"], want["mdist"], atol=1e-4)
    assert got["tracks"][0]["n_windows"] == want["n_windows"]
    assert got["frames"] == want["jpgs"] and got["tracks"][0]["audio_samples"] == want["audio"]["samples"]


@pytest.mark.slow
@pytest.mark.parametrize("case", ["katie224", "fps30_224"])
def test_syncnet_demo_reproduces_fixture(case, peer_clips, peer_net):
    from talkbench_syncnet.peers.demo import run_demo

    _check(run_demo(peer_clips[case.replace("_224", "224")], peer_net), EXPECTED["clips"][case])


@pytest.mark.slow
def test_syncnet_demo_reproduces_the_calibration_clip(calibration, peer_net):
    """The 4 s calibration clip (protocol B there): 95 windows, the fixture's numbers."""
    from talkbench_syncnet.peers.demo import run_demo

    _check(run_demo(calibration / "KatieHill_4s_224.mp4", peer_net), EXPECTED["clips"]["calib_katie_4s_224"])


def test_syncnet_demo_on_an_uncropped_video_fails_with_the_fix(peer_clips, peer_net):
    from talkbench_syncnet.peers.demo import run_demo

    assert "RuntimeError" in EXPECTED["clips"]["short"]["error"]  # the reference crashes in the net
    with pytest.raises(ClipFailure, match=r"short\.mp4: frames are 512×512; .*224×224 face crops.*protocol=wild"):
        run_demo(peer_clips["short"], peer_net)
