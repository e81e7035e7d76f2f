"""protocol=mocha reproduces MoChaBench's SyncNetPipeline.inference run unmodified (tests/fixtures/mocha_sync)."""

from __future__ import annotations

import sys

import pytest
from peer_helpers import FIXTURES, assert_track_matches, box_detector, load_expected

from talkbench import ClipFailure, MetricUnavailable

EXPECTED = load_expected("mocha_sync")
BOXES = FIXTURES / "mocha_sync" / "boxes.json"


def _run(case, peer_clips, peer_net):
    from talkbench_syncnet.peers.mocha import run_mocha

    want = EXPECTED["clips"][case]
    return run_mocha(peer_clips[want["video"]], peer_clips[want["speech"]], peer_net, box_detector(BOXES, case),
                     keep=True)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["katie", "cut", "fps30", "katie_radio"])
def test_mocha_reproduces_fixture(case, peer_clips, peer_net):
    want = EXPECTED["clips"][case]
    got = _run(case, peer_clips, peer_net)
    assert got["shots"] == (want["scene_list"] or [[0, want["tracked_shot_lengths"][0]]])
    assert len(got["tracks"]) == len(want["tracks"])
    for track, geometry, ref in zip(got["tracks"], got["_geometry"], want["tracks"]):
        assert_track_matches(track, geometry, ref)
    assert got["offsets"] == want["result"]["offsets"]
    assert got["lse_c"] == pytest.approx(want["result"]["best_conf"], abs=1e-4)
    assert got["lse_d"] == pytest.approx(want["result"]["min_dist"], abs=1e-4)


def test_mocha_short_clip_is_a_recorded_failure(peer_clips, peer_net):
    assert EXPECTED["clips"]["short"]["result"]["has_face"] is False  # the reference leaves it out
    with pytest.raises(ClipFailure, match=r"short\.mp4: no face track of more than 50 .*has_face=False"):
        _run("short", peer_clips, peer_net)


def test_mocha_best_takes_max_conf_and_min_dist_independently():
    from talkbench_syncnet.peers.mocha import combine_best

    cut = EXPECTED["clips"]["cut"]
    out = combine_best([{"offset": t["offset"], "lse_c": t["conf"], "lse_d": t["min_dist"]} for t in cut["tracks"]])
    assert (out["lse_c"], out["lse_d"]) == (cut["result"]["best_conf"], cut["result"]["min_dist"])
    assert (out["lse_c_track"], out["lse_d_track"]) == (1, 0)  # different tracks, as the reference allows


def test_mocha_tracker_stops_at_a_frames_first_mismatch():
    """Two faces in a frame, the first far from the track: run_pipeline takes the second, MoCha does not."""
    from talkbench_syncnet.peers.mocha import grow_mocha
    from talkbench_syncnet.wild.tracks import _grow

    near, far = [0.0, 0.0, 100.0, 100.0], [300.0, 300.0, 400.0, 400.0]
    pool = lambda: [[(0, near)], [(1, far), (1, near)], [(2, near)]]  # noqa: E731
    assert [f for f, _ in _grow(pool(), 25, 0.5)] == [0, 1, 2]
    assert [f for f, _ in grow_mocha(pool(), 25, 0.5)] == [0, 2]


def test_mocha_demucs_denoise_without_demucs_is_unavailable_with_the_fix(monkeypatch, tmp_path):
    from talkbench_syncnet.peers.glue import demucs_vocals

    monkeypatch.setitem(sys.modules, "demucs", None)  # import demucs → ImportError
    with pytest.raises(MetricUnavailable, match=r"mocha_denoise=demucs needs Demucs: pip install demucs.*mocha_denoise=none"):
        demucs_vocals(tmp_path / "speech.wav", tmp_path)
