"""protocol=wild against the golden fixture: syncnet_python's run_pipeline.py + Wav2Lip's
calculate_scores_real_videos.py run unmodified (tests/fixtures/syncnet_wild/PROTOCOL.md), with
the same face boxes (face_geometry.json). Shots, tracks and spans equal, boxes within 1 px,
offsets equal, LSE-C/LSE-D within 1e-4 of the reference's output."""

from __future__ import annotations

import numpy as np
import pytest

from talkbench import ClipFailure

from conftest import needs_ffmpeg

BOX_TOL = 1.0
LSE_TOL = 1e-4

#: each clip runs the ffmpeg conversion and SyncNet on CPU: 10-60 s on a loaded 2-core machine
CLIPS = [pytest.param(n, marks=pytest.mark.slow) for n in ("katiehill", "cut", "fps30", "fps50")]


def _run(name, wild_inputs, wild_geometry, wild_net):
    from talkbench_syncnet.wild.pipeline import run_wild
    from talkbench_syncnet.wild.settings import WildSettings

    dets = wild_geometry["clips"][name]["detections"]
    return run_wild(wild_inputs(name), wild_net[1], WildSettings(), lambda frames: dets, keep_boxes=True)


@needs_ffmpeg
@pytest.mark.parametrize("name", CLIPS)
def test_wild_matches_reference(name, wild_inputs, wild_geometry, wild_expected, wild_net):
    want = wild_expected["clips"][name]
    got = _run(name, wild_inputs, wild_geometry, wild_net)
    assert got["shots"] == want["scenes"]
    assert [(t["start"], t["end"]) for t in got["tracks"]] == [(t["start"], t["end"]) for t in want["tracks"]]
    for g, w in zip(got["tracks"], want["tracks"]):
        assert np.abs(np.array(g["bbox"]) - np.array(w["bbox"])).max() <= BOX_TOL
        for k in ("s", "x", "y"):
            assert np.abs(np.array(g["proc_track"][k]) - np.array(w["proc_track"][k])).max() <= BOX_TOL
        assert g["offset"] == w["offset"]
        assert abs(g["lse_c"] - w["lse_c"]) <= LSE_TOL, (g["lse_c"], w["lse_c"])
        assert abs(g["lse_d"] - w["lse_d"]) <= LSE_TOL, (g["lse_d"], w["lse_d"])
    # the wild preset's clip value (track_combine=all): the mean of the clip's tracks
    assert got["lse_c"] == pytest.approx(np.mean([t["lse_c"] for t in want["tracks"]]), abs=LSE_TOL)


@needs_ffmpeg
@pytest.mark.slow
def test_wild_short_clip_is_a_recorded_failure(wild_inputs, wild_geometry, wild_expected, wild_net):
    assert wild_expected["clips"]["short"]["tracks"] == []  # the reference finds no track either
    with pytest.raises(ClipFailure, match="no face track ≥ 100 frames"):
        _run("short", wild_inputs, wild_geometry, wild_net)
