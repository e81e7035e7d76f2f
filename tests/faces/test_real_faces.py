"""The dlib backend on the real clips of ../shared/realdata (frame subsets; full clips: slow).

Detection runs on frames shrunk to 360 px on the longer side (DEFAULT_DETECT_MAX_SIDE); the
landmarks are fitted at full resolution.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

import talkbench
from talkbench import ClipFailure
from talkbench.faces import (
    crop_resize, mask_lower_half, mouth_rois, paste_back, syncdiff_crop, syncnet_crops,
    track_faces, wav2lip_boxes,
)

from faces_helpers import VIDEOS, frames_clip


@pytest.mark.parametrize("name", VIDEOS)
def test_dlib_finds_faces_in_95_percent_of_frames(subset_tracks, name):
    _, track = subset_tracks[name]
    assert track.backend == "dlib" and track.version.startswith("dlib-")
    assert track.found.mean() >= 0.95, f"{name}: faces in {track.found.mean():.0%} of frames"


@pytest.mark.parametrize("name", VIDEOS)
def test_mouth_centre_lies_in_lower_half_of_box(subset_tracks, name):
    frames, track = subset_tracks[name]
    b = track.boxes[track.found]
    mouth = track.mouth_centers()[track.found]
    mid_y = (b[:, 1] + b[:, 3]) / 2
    assert (mouth[:, 1] > mid_y).all() and (mouth[:, 1] < b[:, 3] + 0.1 * (b[:, 3] - b[:, 1])).all()
    assert ((mouth[:, 0] > b[:, 0]) & (mouth[:, 0] < b[:, 2])).all()
    # a real face is a sizeable part of these head-and-shoulders clips
    h, w = frames.shape[1:3]
    assert ((b[:, 2] - b[:, 0]) > 0.15 * w).all()


def test_crop_sizes_on_real_faces(subset_tracks):
    frames, track = subset_tracks["videoretalking_face_2"]
    boxes = wav2lip_boxes(track.boxes, (0, 10, 0, 0), frames.shape[1:3])
    faces = crop_resize(frames, boxes, 96)
    assert faces.shape == (10, 96, 96, 3) and (mask_lower_half(faces)[:, 48:] == 0).all()
    crops, cboxes = syncdiff_crop(frames, track, 256)
    assert crops.shape == (10, 256, 256, 3) and cboxes.shape == (10, 4)
    sn, _ = syncnet_crops(frames, track)
    assert sn.shape == (10, 224, 224, 3)
    assert mouth_rois(frames, track).shape == (10, 88, 88)


@pytest.mark.parametrize("name", ["videoretalking_face_1", "sadtalker_WDA_KatieHill_000"])
def test_paste_back_of_unmodified_crop_changes_frame_by_less_than_one_level(subset_tracks, name):
    frames, track = subset_tracks[name]
    crops, cboxes = syncdiff_crop(frames, track, 256)
    out = paste_back(frames, crops, cboxes)
    diff = np.abs(out.astype(np.float64) - frames.astype(np.float64)).mean()
    assert diff < 1.0, f"mean change {diff:.3f} grey levels"
    assert out.shape == frames.shape and out.dtype == np.uint8


def test_cached_second_run_is_10x_faster(decoded):
    frames = decoded["videoretalking_face_3"][:8].copy()
    frames[0, 0, 0] = np.frombuffer(os.urandom(3), np.uint8)  # unseen pixels even with a kept cache
    clip = frames_clip(frames, "cache-test")
    t0 = time.perf_counter()
    first = track_faces(clip, backend="dlib")
    t1 = time.perf_counter()
    second = track_faces(clip, backend="dlib")
    t2 = time.perf_counter()
    assert first.meta["cache"] == "miss" and second.meta["cache"] == "hit"
    assert (t1 - t0) >= 10 * (t2 - t1), f"first {t1 - t0:.3f}s, cached {t2 - t1:.3f}s"
    np.testing.assert_array_equal(first.landmarks, second.landmarks)
    assert list((Path(talkbench.talkbench_home()) / "faces").rglob("*.npz"))
    third = track_faces(clip, backend="dlib", cache=False)
    assert third.meta["cache"] == "off"


def test_face_lost_for_ten_frames_mid_clip(decoded):
    frames = decoded["videoretalking_face_5"][:30].copy()
    frames[10:20] = 0  # the face disappears for 10 frames
    clip = frames_clip(frames, "lost")
    tr = track_faces(clip, backend="dlib", smooth=0)  # default max_gap=12: interpolated
    assert not tr.found[10:20].any() and tr.found[:10].all() and tr.found[20:].all()
    assert tr.meta["stats"]["interpolated"] == 10 and np.isfinite(tr.boxes).all()
    lo, hi = np.minimum(tr.boxes[9], tr.boxes[20]), np.maximum(tr.boxes[9], tr.boxes[20])
    assert ((tr.boxes[10:20] >= lo - 1e-3) & (tr.boxes[10:20] <= hi + 1e-3)).all()
    prev = track_faces(clip, backend="dlib", smooth=0, max_gap=5)  # too long a gap: previous box
    np.testing.assert_array_equal(prev.boxes[10:20], np.repeat(prev.boxes[9:10], 10, 0))
    assert prev.meta["cache"] == "hit"  # the tracking options do not invalidate the detections
    skip = track_faces(clip, backend="dlib", no_face="skip", max_gap=5)
    assert skip.valid.sum() == 20
    crops, _ = syncdiff_crop(frames[skip.valid], skip.select(skip.valid))
    assert len(crops) == 20


def test_video_without_face_is_a_clip_failure(tmp_path):
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (6, 96, 128, 3), dtype=np.uint8)
    path = talkbench.write_video(tmp_path / "noise.mp4", noise, fps=25)
    clip = talkbench.load_clip(path, require_audio=False)
    with pytest.raises(ClipFailure, match="no face found in any of its 6 frames"):
        track_faces(clip, backend="dlib")


def test_still_image_source(realdata):
    path = Path(realdata) / "image" / "sadtalker_people_0.png"
    clip = talkbench.load_clip(path, require_audio=False)
    tr = track_faces(clip, backend="dlib")
    assert clip.num_frames == 1 and tr.num_frames == 1 and tr.found.all()
    crops, _ = syncdiff_crop(clip.frames, tr)
    assert crops.shape == (1, 256, 256, 3)


def test_tiny_frame_fails_cleanly():
    tiny = np.full((3, 12, 16, 3), 128, np.uint8)
    with pytest.raises(ClipFailure):
        track_faces(frames_clip(tiny, "tiny"), backend="dlib")


def test_huge_frame_is_detected_on_a_downscaled_copy(subset_tracks):
    frames, track = subset_tracks["videoretalking_face_3"]  # 590×590
    big = np.stack([cv2.resize(f, (2360, 2360), interpolation=cv2.INTER_LINEAR) for f in frames[:2]])
    t0 = time.perf_counter()
    tr = track_faces(frames_clip(big, "huge"), backend="dlib", smooth=0)
    assert tr.found.all()
    assert time.perf_counter() - t0 < 30
    # same face, 4× the coordinates (within a few percent of the face size)
    size = track.boxes[0, 2] - track.boxes[0, 0]
    np.testing.assert_allclose(tr.boxes[:2] / 4, track.boxes[:2], atol=0.08 * size)
    np.testing.assert_allclose(tr.mouth_centers() / 4, track.mouth_centers()[:2], atol=0.05 * size)


def test_auto_without_fan_weights_runs_dlib_and_says_why(decoded):
    tr = track_faces(frames_clip(decoded["videoretalking_face_3"][:2], "auto"), backend="auto")
    assert tr.backend == "dlib"
    assert tr.meta["backend_requested"] == "auto" and "weights missing" in tr.meta["backend_reason"]


@pytest.mark.slow
@pytest.mark.parametrize("name", VIDEOS)
def test_dlib_full_clips_95_percent(realdata, name):
    clip = talkbench.load_clip(Path(realdata) / "video" / f"{name}.mp4")
    tr = track_faces(clip, backend="dlib")
    assert tr.found.mean() >= 0.95
    mouth, b = tr.mouth_centers(), tr.boxes
    assert (mouth[:, 1] > (b[:, 1] + b[:, 3]) / 2).mean() >= 0.99


def test_dlib_agrees_with_the_demo_clips_exact_geometry():
    """The demo faces carry exact iBUG-68 landmarks: dlib must land on them (same point order,
    x/y order and pixel convention), and auto must use them without detecting."""
    ds = talkbench.get_dataset("demo")()
    clip = next(ds.iter_clips(ds.default_split, limit=1))
    given = track_faces(clip)
    assert given.backend == "given"
    sub = frames_clip(clip.frames[::8], "demo-sub")
    detected = track_faces(sub, backend="dlib", smooth=0)
    assert detected.found.all()
    err = np.linalg.norm(detected.landmarks - given.landmarks[::8], axis=-1)
    face = given.boxes[0, 2] - given.boxes[0, 0]
    assert np.median(err) < 0.05 * face, f"median landmark error {np.median(err):.2f}px"
    mouth_err = np.linalg.norm(detected.mouth_centers() - given.mouth_centers()[::8], axis=-1)
    assert mouth_err.max() < 0.05 * face


def test_file_backed_cache_hit_skips_decoding_and_replaced_frames_never_hit(tmp_path, decoded, monkeypatch):
    # a cache of its own: another test may already have detected this very (deterministic) mp4
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path / "home"))
    frames = decoded["videoretalking_face_5"][:6]
    path = talkbench.write_video(tmp_path / "six.mp4", frames, 25)
    first = track_faces(talkbench.load_clip(path, require_audio=False), backend="dlib")
    assert first.meta["cache"] == "miss"
    lazy = talkbench.load_clip(path, require_audio=False)
    again = track_faces(lazy, backend="dlib")
    assert again.meta["cache"] == "hit" and callable(lazy.frames_source)  # nothing decoded
    np.testing.assert_array_equal(again.landmarks, first.landmarks)
    # a generator's output keeps the source's path: its new pixels must be detected afresh
    loaded = talkbench.load_clip(path, require_audio=False)
    generated = loaded.replace(frames=np.ascontiguousarray(loaded.frames[:, :, ::-1]))  # mirrored
    out = track_faces(generated, backend="dlib")
    assert out.meta["cache"] == "miss"
    w = frames.shape[2]
    np.testing.assert_allclose(out.mouth_centers()[:, 0], w - first.mouth_centers()[:, 0], atol=0.05 * w)


def test_lrs2_sized_frames_are_upsampled_for_dlib(subset_tracks):
    """LRS2 is 160×160 with ~50-90 px faces, below dlib's 80 px HOG window: detection upsamples."""
    frames, track = subset_tracks["sadtalker_WDA_KatieHill_000"]
    small = np.stack([cv2.resize(f, (160, 160), interpolation=cv2.INTER_AREA) for f in frames[:4]])
    tr = track_faces(frames_clip(small, "lrs2-size"), backend="dlib", smooth=0)
    assert tr.found.all()
    scale = 160 / frames.shape[1]
    np.testing.assert_allclose(tr.mouth_centers(), track.mouth_centers()[:4] * scale, atol=4)
