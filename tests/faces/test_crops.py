"""Crop, mask and coordinate functions on synthetic frames (exact values)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.signal import medfilt

from talkbench.faces import (
    FaceTrack, apply_mask, crop_resize, difftalk_mask, from_crop_coords, lip_mask, mask_lower_half,
    mouth_rois, syncdiff_boxes, syncdiff_crop, syncnet_boxes, syncnet_crops, to_crop_coords,
    wav2lip_boxes,
)


def ramp_frames(t=4, h=120, w=160):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def square_landmarks(t, cx=80.0, cy=60.0, half=30.0):
    """68 points spread on a square face: jaw at the bottom, mouth below the nose tip."""
    rng = np.random.default_rng(1)
    lm = np.zeros((t, 68, 2), np.float32)
    lm[:, :, 0] = cx + rng.uniform(-half, half, 68)
    lm[:, :, 1] = cy + rng.uniform(-half, half, 68)
    lm[:, 0] = (cx - half, cy)          # jaw ends
    lm[:, 16] = (cx + half, cy)
    lm[:, 33] = (cx, cy + 5)            # nose tip
    lm[:, 48:68, 0] = cx + np.linspace(-10, 10, 20)
    lm[:, 48:68, 1] = cy + 15
    return lm


def test_wav2lip_boxes_pad_and_clip():
    boxes = np.array([[10, 20, 50, 70], [0, 0, 159, 115]], np.float32)
    out = wav2lip_boxes(boxes, (0, 10, 0, 0), (120, 160, 3))
    np.testing.assert_array_equal(out, [[10, 20, 50, 80], [0, 0, 159, 120]])
    out = wav2lip_boxes(boxes, (5, 10, 3, 4), (120, 160))
    np.testing.assert_array_equal(out, [[7, 15, 54, 80], [0, 0, 160, 120]])
    with pytest.raises(ValueError, match="frame_shape"):
        wav2lip_boxes(boxes)


def test_wav2lip_boxes_smoothing_is_wav2lips_in_place_window():
    boxes = np.arange(7 * 4, dtype=np.float64).reshape(7, 4) ** 1.5
    # Wav2Lip: int boxes from the detector, then get_smoothened_boxes in place on the int array
    ref = np.array([[int(v) for v in b] for b in boxes])
    for i in range(len(ref)):
        win = ref[len(ref) - 3:] if i + 3 > len(ref) else ref[i:i + 3]
        ref[i] = np.mean(win, axis=0)
    out = wav2lip_boxes(boxes, (0, 0, 0, 0), (10_000, 10_000), smooth_window=3)
    np.testing.assert_array_equal(out, ref.astype(np.float32))
    # truncation at every step differs from a float mean floored once: the port keeps it
    floats = boxes.copy()
    for i in range(len(floats)):
        win = floats[len(floats) - 3:] if i + 3 > len(floats) else floats[i:i + 3]
        floats[i] = win.mean(axis=0)
    assert not np.array_equal(out, np.floor(floats).astype(np.float32))


def test_crop_resize_is_the_slice_and_pads_outside():
    frames = ramp_frames()
    boxes = np.array([[10, 20, 42, 52]] * 4, np.float32)
    out = crop_resize(frames, boxes, 32)
    np.testing.assert_array_equal(out, frames[:, 20:52, 10:42])
    # a box hanging over the top-left corner: edge padding repeats the first row/column
    out = crop_resize(frames[:1], np.array([[-4, -4, 4, 4]]), 8)
    np.testing.assert_array_equal(out[0, :4, :4], np.broadcast_to(frames[0, 0, 0], (4, 4, 3)))
    np.testing.assert_array_equal(out[0, 4:, 4:], frames[0, :4, :4])
    out = crop_resize(frames[:1], np.array([[-4, -4, 4, 4]]), 8, pad=110)
    assert (out[0, :4] == 110).all() and (out[0, :, :4] == 110).all()
    assert crop_resize(frames, boxes, (48, 24)).shape == (4, 24, 48, 3)
    assert crop_resize(frames[0], boxes[0], 96).shape == (96, 96, 3)  # one frame in, one out


def test_crop_rejects_nan_boxes_and_wrong_count():
    frames = ramp_frames(2)
    with pytest.raises(ValueError, match="track.valid"):
        crop_resize(frames, np.array([[0, 0, 10, 10], [np.nan] * 4]), 8)
    with pytest.raises(ValueError, match="1 boxes for 2 frames"):
        crop_resize(frames, np.array([[0, 0, 10, 10]]), 8)


def test_mask_lower_half():
    crops = ramp_frames(3, 96, 96)
    out = mask_lower_half(crops)
    assert (out[:, 48:] == 0).all()
    np.testing.assert_array_equal(out[:, :48], crops[:, :48])
    assert crops[:, 48:].any()  # the input is untouched


def _syncnet_reference(frames, boxes, cs=0.4):
    """syncnet_python run_pipeline.crop_video, re-derived independently for the test."""
    s = medfilt(np.maximum(boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0]) / 2, 13)
    y = medfilt((boxes[:, 1] + boxes[:, 3]) / 2, 13)
    x = medfilt((boxes[:, 0] + boxes[:, 2]) / 2, 13)
    out = []
    for t, img in enumerate(frames):
        bs = s[t]
        bsi = int(bs * (1 + 2 * cs))
        pad = np.pad(img, ((bsi, bsi), (bsi, bsi), (0, 0)), "constant", constant_values=(110, 110))
        my, mx = y[t] + bsi, x[t] + bsi
        face = pad[int(my - bs):int(my + bs * (1 + 2 * cs)), int(mx - bs * (1 + cs)):int(mx + bs * (1 + cs))]
        out.append(cv2.resize(face, (224, 224)))
    return np.stack(out)


def test_syncnet_crops_match_syncnet_python_geometry():
    frames = ramp_frames(15, 120, 160)
    rng = np.random.default_rng(3)
    base = np.array([50.3, 30.7, 110.2, 95.9])
    boxes = base + rng.normal(0, 2, (15, 4))
    crops, cboxes = syncnet_crops(frames, boxes)
    assert crops.shape == (15, 224, 224, 3) and cboxes.shape == (15, 4)
    np.testing.assert_array_equal(crops, _syncnet_reference(frames, boxes))
    # geometry: the crop reaches 1+2·cs half-sizes below the centre and 1+cs to each side
    b = syncnet_boxes(np.tile(base, (15, 1)))[7]
    s = max(base[3] - base[1], base[2] - base[0]) / 2
    cx, cy = (base[0] + base[2]) / 2, (base[1] + base[3]) / 2
    np.testing.assert_allclose(b, [cx - 1.4 * s, cy - s, cx + 1.4 * s, cy + 1.8 * s])


def test_syncdiff_crop_sizes_boxes_and_landmarks_inside():
    frames = ramp_frames(6, 120, 160)
    lm = square_landmarks(6)
    crops, cboxes = syncdiff_crop(frames, lm, 256)
    assert crops.shape == (6, 256, 256, 3) and crops.dtype == np.uint8
    w, h = cboxes[:, 2] - cboxes[:, 0], cboxes[:, 3] - cboxes[:, 1]
    np.testing.assert_array_equal(w, h)  # square
    inside = to_crop_coords(lm, cboxes, 256)
    assert (inside >= 0).all() and (inside <= 256).all()
    # side = 1.3 × the landmarks' extent (60 px) up to flooring
    np.testing.assert_allclose(w, 78, atol=1)
    track = FaceTrack(cboxes, lm, np.ones(6, bool), "given")
    crops2, _ = syncdiff_crop(frames, track, 256)
    np.testing.assert_array_equal(crops, crops2)


def test_syncdiff_boxes_smooth_jitter():
    lm = square_landmarks(9)
    lm[4] += 6.0  # one jumpy frame
    raw = syncdiff_boxes(lm, smooth=1)
    smooth = syncdiff_boxes(lm, smooth=5)
    assert abs(smooth[4, 0] - smooth[3, 0]) < abs(raw[4, 0] - raw[3, 0])


def test_lip_masks_and_difftalk_mask():
    m = lip_mask(256)
    assert m.shape == (256, 256) and m[128:].all() and not m[:128].any()
    crops = ramp_frames(2, 64, 64) | 1  # no zero pixels before masking
    lm = np.zeros((2, 68, 2), np.float32)
    lm[0, 33] = (30, 40.6)
    lm[1, 33] = (30, 10.2)
    out = difftalk_mask(crops, lm)
    assert out.dtype == np.uint8
    assert (out[0, 40:] == 0).all() and (out[0, :40] == crops[0, :40]).all()
    assert (out[1, 10:] == 0).all() and (out[1, :10] == crops[1, :10]).all()
    below = lip_mask(64, lm, mode="below_nose")
    assert below.shape == (2, 64, 64) and below[0, 40:].all() and not below[0, :40].any()
    np.testing.assert_array_equal(apply_mask(crops, m[::4, ::4]), mask_lower_half(crops))
    with pytest.raises(ValueError, match="unknown mode"):
        lip_mask(64, mode="lips")


def test_mouth_rois_centre_and_size():
    frames = np.zeros((3, 200, 200, 3), np.uint8)
    lm = square_landmarks(3, cx=100, cy=90, half=40)
    mc = lm[0, 48:68].mean(axis=0)
    frames[:, int(mc[1]) - 2:int(mc[1]) + 3, int(mc[0]) - 2:int(mc[0]) + 3] = 255  # a dot on the mouth
    rois = mouth_rois(frames, lm, 96, 88)
    assert rois.shape == (3, 88, 88) and rois.dtype == np.uint8
    ys, xs = np.nonzero(rois[0] > 128)
    assert abs(ys.mean() - 43.5) < 3 and abs(xs.mean() - 43.5) < 3
    assert mouth_rois(frames, lm, 96, None).shape == (3, 96, 96)


def test_crop_coordinate_round_trip():
    pts = np.random.default_rng(4).uniform(0, 100, (3, 68, 2)).astype(np.float32)
    boxes = np.array([[10, 5, 90, 85], [0, 0, 50, 50], [-20, -10, 140, 150]], np.float32)
    back = from_crop_coords(to_crop_coords(pts, boxes, 256), boxes, 256)
    np.testing.assert_allclose(back, pts, atol=1e-3)
