"""Tracking maths (gaps, no-face policies, smoothing, face choice), FaceTrack I/O, paste-back."""

from __future__ import annotations

import numpy as np
import pytest

from talkbench import ClipFailure
from talkbench.faces import FaceTrack, feather_mask, paste_back, smooth_boxes, track_faces
from talkbench.faces.track_cleanup import build_track, interpolate_gaps, pick_face


def raw_track(t=12, missing=()):
    boxes = np.stack([np.array([10.0 + i, 20.0, 50.0 + i, 70.0]) for i in range(t)])
    lm = np.repeat(np.linspace(0, 1, 136).reshape(1, 68, 2), t, 0) * 40 + boxes[:, None, :2]
    boxes[list(missing)] = np.nan
    lm[list(missing)] = np.nan
    return boxes, lm


def test_interpolation_fills_short_interior_gaps_only():
    boxes, _ = raw_track(12, missing=(3, 4, 5, 0))
    found = np.isfinite(boxes).all(1)
    out, filled = interpolate_gaps(boxes, found, max_gap=3)
    np.testing.assert_allclose(out[3:6, 0], [13, 14, 15])  # linear between frames 2 and 6
    assert filled.tolist() == [False, False, False, True, True, True] + [False] * 6
    assert np.isnan(out[0]).all()  # a leading gap has no right neighbour to interpolate from
    out, filled = interpolate_gaps(boxes, found, max_gap=2)
    assert np.isnan(out[3:6]).all() and not filled.any()


def test_no_face_policies():
    boxes, lm = raw_track(10, missing=(0, 4, 5, 6, 7))
    b, _, found, stats = build_track(boxes, lm, (100, 200), no_face="previous", smooth=0, max_gap=0)
    np.testing.assert_array_equal(b[4:8], np.repeat(b[3:4], 4, 0))
    np.testing.assert_array_equal(b[0], b[1])  # leading frames take the first face
    assert found.sum() == 5 and stats["filled"] == 5
    b, lm2, _, _ = build_track(boxes, lm, (100, 200), no_face="center", smooth=0, max_gap=0)
    centre = (b[5, :2] + b[5, 2:]) / 2
    np.testing.assert_allclose(centre, [100, 50])
    np.testing.assert_allclose(b[5, 2:] - b[5, :2], [40, 50])
    assert np.isfinite(lm2).all()
    b, _, _, stats = build_track(boxes, lm, (100, 200), no_face="skip", smooth=5, max_gap=0)
    assert np.isnan(b[[0, 4, 5, 6, 7]]).all() and np.isfinite(b[[1, 2, 3, 8, 9]]).all()
    assert stats["skipped"] == 5
    with pytest.raises(ValueError, match="no_face"):
        build_track(boxes, lm, (100, 200), no_face="drop")


def test_no_face_at_all_is_a_clip_failure():
    boxes, lm = raw_track(5, missing=range(5))
    with pytest.raises(ClipFailure, match="clip x: no face found in any of its 5 frames"):
        build_track(boxes, lm, (100, 100), clip_id="x")


def test_smoothing_median_removes_a_spike_mean_spreads_it():
    boxes = np.tile([10.0, 10.0, 50.0, 50.0], (9, 1))
    boxes[4] += 30
    med = smooth_boxes(boxes, 5, "median")
    np.testing.assert_array_equal(med, np.tile([10.0, 10.0, 50.0, 50.0], (9, 1)))
    mean = smooth_boxes(boxes, 5, "mean")
    np.testing.assert_allclose(mean[2:7, 0], 16.0)
    assert smooth_boxes(boxes, 1).tolist() == boxes.tolist()


def test_pick_face_largest_then_overlap():
    small = (np.array([0, 0, 10, 10.0]), np.zeros((68, 2)), 0.9)
    big = (np.array([50, 50, 90, 90.0]), np.zeros((68, 2)), 0.5)
    assert pick_face([small, big], None) is big
    assert pick_face([small, big], np.array([1, 1, 11, 11.0])) is small
    assert pick_face([], None) is None


def test_facetrack_save_load_select(tmp_path):
    boxes, lm = raw_track(6)
    tr = FaceTrack(boxes, lm, np.ones(6, bool), "dlib", "v1", {"a": 1, "arr": np.int64(3)})
    p = tr.save(tmp_path / "t" / "track.npz")
    back = FaceTrack.load(p)
    np.testing.assert_array_equal(back.boxes, tr.boxes)
    np.testing.assert_array_equal(back.landmarks, tr.landmarks)
    assert back.backend == "dlib" and back.version == "v1" and back.meta == {"a": 1, "arr": 3}
    assert back.boxes.dtype == np.float32 and back.found.dtype == bool
    sub = tr.select(slice(1, 3))
    assert sub.num_frames == 2 and sub.mouth_centers().shape == (2, 2)
    assert not list(tmp_path.glob("t/.*"))  # no temp file left behind
    with pytest.raises(ValueError, match="one row per frame"):
        FaceTrack(boxes, lm[:3], np.ones(6, bool), "x")


def test_given_backend_uses_clip_meta_exactly():
    import talkbench

    boxes, lm = raw_track(4)
    frames = np.zeros((4, 100, 120, 3), np.uint8)
    clip = talkbench.Clip(id="g", frames_source=frames, meta={"landmarks": lm.astype(np.float32),
                                                               "boxes": boxes.astype(np.float32)})
    tr = track_faces(clip)  # auto → given
    assert tr.backend == "given" and tr.meta["backend_reason"].startswith("clip carries")
    np.testing.assert_array_equal(tr.boxes, boxes.astype(np.float32))
    np.testing.assert_array_equal(tr.landmarks, lm.astype(np.float32))
    with pytest.raises(ValueError, match="face backend 'sfd'"):
        track_faces(clip, backend="sfd")
    short = clip.replace(frames=frames[:3])  # e.g. a generator that returned fewer frames
    with pytest.raises(ClipFailure, match="has 4 frames but the clip 3"):
        track_faces(short)
    bare = talkbench.Clip(id="b", frames_source=frames)
    with pytest.raises(ValueError, match="backend 'given' needs clip.meta\\['landmarks'\\]"):
        track_faces(bare, backend="given")


def test_feather_mask_profile():
    m = feather_mask(20, 40, 4)
    assert m.shape == (20, 40) and m[10, 20] == 1.0
    assert 0 < m[0, 20] < 0.2 and m[10, 0] < 0.2
    assert (feather_mask(8, 8, 0) == 1).all()


def test_paste_back_identity_and_region():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 60, 80, 3), dtype=np.uint8)
    boxes = np.array([[10, 5, 42, 37], [-8, -8, 24, 24]], np.float32)  # second leaves the frame
    from talkbench.faces import crop_resize

    crops = crop_resize(frames, boxes, 32)
    out = paste_back(frames, crops, boxes, feather=0)
    np.testing.assert_array_equal(out, frames)  # same-size crop pasted back = no change
    white = np.full_like(crops, 255)
    out = paste_back(frames, white, boxes, feather=0)
    assert (out[0, 5:37, 10:42] == 255).all()
    np.testing.assert_array_equal(out[0, 40:], frames[0, 40:])
    assert (out[1, :24, :24] == 255).all()
    soft = paste_back(frames, white, boxes, feather=6)
    assert soft[0, 21, 26].min() == 255 and soft[0, 5, 26].max() < 255  # centre replaced, edge blended
    lower = np.zeros((32, 32), np.float32)
    lower[16:] = 1
    out = paste_back(frames, white, boxes, feather=0, region=lower)
    np.testing.assert_array_equal(out[0, 5:15, 10:42], frames[0, 5:15, 10:42])
    assert (out[0, 28:37, 10:42] == 255).all()
