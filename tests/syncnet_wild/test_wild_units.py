"""The wild pipeline's pieces on synthetic input (fast): tracking rules and the reference's
quirks, crop geometry, combine rules, the pooled dataset mean, settings and geometry-file errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkbench import ClipFailure, OptionError

from talkbench_syncnet.wild.crops import crop_frames, crop_geometry, cut_boxes
from talkbench_syncnet.wild.geometry import FORMAT, clip_entry
from talkbench_syncnet.wild.metric_glue import aggregate_tracks
from talkbench_syncnet.wild.pipeline import combine
from talkbench_syncnet.wild.settings import WildSettings
from talkbench_syncnet.wild.tracks import all_tracks, track_shot

FACE = [100.0, 100.0, 250.0, 260.0]   # 150×160 px
OTHER = [400.0, 100.0, 550.0, 260.0]  # same size, no overlap with FACE


def _dets(n, boxes_of=lambda f: [FACE]):
    return [[b + [0.99] for b in boxes_of(f)] for f in range(n)]


def test_one_face_one_track_interpolated_over_a_gap():
    moving = lambda f: [[FACE[0] + f, FACE[1], FACE[2] + f, FACE[3]]] if not 50 <= f < 60 else []  # noqa: E731
    (tr,) = track_shot(_dets(150, moving), 0, 150)
    assert (tr.start, tr.end, tr.detected) == (0, 149, 140)
    np.testing.assert_allclose(tr.boxes[:, 0], FACE[0] + np.arange(150))  # linear over frames 50-59


def test_more_than_min_track_detections_and_num_failed_det():
    assert len(track_shot(_dets(100), 0, 100)) == 0       # 100 detections: not more than 100
    assert len(track_shot(_dets(101), 0, 101)) == 1
    # 26 missing frames (frame 109 → 136, a difference of 27 > num_failed_det 25) end the track;
    # the second one has only 64 detections and is dropped
    hole = lambda f: [FACE] if not 110 <= f < 136 else []  # noqa: E731
    tracks = track_shot(_dets(200, hole), 0, 200)
    assert [(t.start, t.end) for t in tracks] == [(0, 109)]
    assert [(t.start, t.end) for t in track_shot(_dets(200, hole), 0, 200, num_failed_det=27)] == [(0, 199)]


def test_min_face_size_uses_the_larger_mean_side():
    small = lambda f: [[0.0, 0.0, 100.0, 90.0]]  # noqa: E731
    assert track_shot(_dets(120, small), 0, 120) == []    # max(100, 90) is not > 100
    assert len(track_shot(_dets(120, small), 0, 120, min_face_size=99)) == 1


def test_two_faces_two_tracks_and_the_reference_iteration_quirk():
    both = track_shot(_dets(120, lambda f: [FACE, OTHER]), 0, 120)
    assert len(both) == 2 and all(t.detected == 120 for t in both)
    # a duplicate box of the same face: the reference's loop skips the face after one it takes,
    # so each pass takes one box per frame (two one-per-frame tracks, not one with 240 boxes)
    dup = track_shot(_dets(120, lambda f: [FACE, [v + 1 for v in FACE]]), 0, 120)
    assert [t.detected for t in dup] == [120, 120]
    np.testing.assert_array_equal(dup[0].boxes[0], FACE)


def test_shots_bound_tracks_and_short_shots_are_skipped():
    dets = _dets(250)
    assert [(t.start, t.end) for t in all_tracks(dets, [(0, 120), (120, 250)])] == [(0, 119), (120, 249)]
    # a shot shorter than min_track frames is not tracked at all
    assert [(t.start, t.end) for t in all_tracks(dets, [(0, 99), (99, 250)])] == [(99, 249)]


def test_crop_geometry_is_the_padded_slice():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (3, 300, 400, 3), dtype=np.uint8)
    boxes = np.array([[50.0, 40.0, 150.0, 160.0]] * 3)
    geo = crop_geometry(boxes, kernel=3)
    np.testing.assert_allclose(geo["s"], 60.0)
    (x1, y1, x2, y2), = cut_boxes({k: v[:1] for k, v in geo.items()})
    assert (x1, y1, x2, y2) == (16, 40, 184, 208)  # x: 100 ± 60·1.4, y: 100 - 60 .. 100 + 60·1.8
    crops = crop_frames(frames, np.arange(3), geo, size=224)
    import cv2

    want = np.full((208 - 40, 184 - 16, 3), 110, np.uint8)
    want[: 300 - 40] = frames[0, 40:300, 16:184][: 208 - 40]
    np.testing.assert_array_equal(crops[0], cv2.resize(want, (224, 224)))


def _tracks(*lse):
    return [{"lse_c": c, "lse_d": d, "offset": o} for c, d, o in lse]


def test_combine_rules():
    t = _tracks((2.0, 8.0, 1), (4.0, 7.0, 3))
    assert combine(t, "first") == {"offset": 1, "lse_c": 2.0, "lse_d": 8.0, "track": 0}
    assert combine(t, "best") == {"offset": 3, "lse_c": 4.0, "lse_d": 7.0, "track": 1}
    assert combine(t, "mean") == {"offset": None, "lse_c": 3.0, "lse_d": 7.5, "track": None}


def test_all_rule_pools_every_track_of_every_clip():
    clips = [{"value": 3.0, "combine": "all", "tracks": _tracks((2.0, 8.0, 0), (4.0, 7.0, 0))},
             {"value": 9.0, "combine": "all", "tracks": _tracks((9.0, 6.0, 0))}]
    out = aggregate_tracks(clips, "lse_c")
    assert out["value"] == pytest.approx(5.0) and out["n_tracks"] == 3 and out["clip_mean"] == 6.0
    clips[1]["combine"] = "mean"
    assert aggregate_tracks(clips, "lse_c") is None  # other rules: the plain mean over clips


def test_settings_validate():
    with pytest.raises(ValueError, match="track combine rule 'max'"):
        WildSettings(combine="max")
    with pytest.raises(ValueError, match="median_kernel 12"):
        WildSettings(median_kernel=12)
    assert WildSettings().to_json()["min_track"] == 100


def test_geometry_file_errors(tmp_path):
    with pytest.raises(OptionError, match="face geometry file not found"):
        clip_entry(tmp_path / "none.json", "a", "a")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"clips": {}}))
    with pytest.raises(OptionError, match=f"not a {FORMAT} file"):
        clip_entry(bad, "a", "a")
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"format": FORMAT, "clips": {"stem": {"frames": 1, "detections": [[FACE + [1.0]]]}}}))
    entry, digest = clip_entry(good, "id", "stem")
    assert entry["detections"] == [[FACE + [1.0]]] and len(digest) == 64
    with pytest.raises(ClipFailure, match="no face geometry for clip 'x'"):
        clip_entry(good, "x", "y")
