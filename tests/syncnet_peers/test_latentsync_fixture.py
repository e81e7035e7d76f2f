"""protocol=latentsync reproduces LatentSync's eval_sync_conf.py run unmodified (tests/fixtures/latentsync_sync)."""

from __future__ import annotations

from statistics import fmean

import pytest
from peer_helpers import INPUTS, assert_track_matches, box_detector, load_expected

from talkbench import ClipFailure

EXPECTED = load_expected("latentsync_sync")


def _run(name, peer_clips, peer_net):
    from talkbench_syncnet.peers.latentsync import run_latentsync

    return run_latentsync(peer_clips[name], peer_net, box_detector(INPUTS / "boxes.json", name), keep=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["katie", "cut", "fps30"])
def test_latentsync_reproduces_fixture(name, peer_clips, peer_net):
    want = EXPECTED["clips"][name]
    got = _run(name, peer_clips, peer_net)
    assert got["shots"] == want["scenes"]
    assert len(got["tracks"]) == len(want["tracks"])
    for track, geometry, ref in zip(got["tracks"], got["_geometry"], want["tracks"]):
        assert_track_matches(track, geometry, ref)
    assert got["offset"] == want["clip"]["av_offset"]
    assert got["lse_c"] == pytest.approx(want["clip"]["conf"], abs=1e-4)


def test_latentsync_short_clip_is_a_recorded_failure(peer_clips, peer_net):
    assert "Face not detected" in EXPECTED["clips"]["short"]["error"]
    with pytest.raises(ClipFailure, match=r"short\.mp4: Face not detected .*more than 50 detected frames"):
        _run("short", peer_clips, peer_net)


def test_latentsync_combine_is_fmean_and_truncated_offset():
    from talkbench_syncnet.peers.latentsync import combine_mean

    cut = EXPECTED["clips"]["cut"]
    tracks = [{"offset": t["offset"], "lse_c": t["conf"], "lse_d": t["min_dist"]} for t in cut["tracks"]]
    out = combine_mean(tracks)
    assert out["lse_c"] == cut["clip"]["conf"] == fmean(t["conf"] for t in cut["tracks"])
    assert out["offset"] == cut["clip"]["av_offset"]
    # int() of the mean truncates toward zero, as the reference: offsets 3 and -4 → int(-0.5) = 0
    assert combine_mean([{"offset": 3, "lse_c": 1.0, "lse_d": 1.0}, {"offset": -4, "lse_c": 1.0, "lse_d": 1.0}])["offset"] == 0
