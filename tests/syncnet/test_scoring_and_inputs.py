"""The vectorised distance step against the reference's loop, and bad or unusual input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench import Clip, ClipFailure, get_metric, load_clip
from talkbench_syncnet.scoring import offset_distances, summarise, window_count


def _reference_pdist(feat1, feat2, vshift):
    """calc_pdist as syncnet_python writes it: a Python loop of pairwise_distance calls."""
    win = 2 * vshift + 1
    feat2p = torch.nn.functional.pad(feat2, (0, 0, vshift, vshift))
    return torch.stack([torch.nn.functional.pairwise_distance(feat1[[i], :].repeat(win, 1), feat2p[i:i + win, :])
                        for i in range(len(feat1))])


@pytest.mark.parametrize("n,vshift", [(95, 15), (7, 15), (40, 3)])
def test_offset_distances_equal_reference_loop(n, vshift):
    g = torch.Generator().manual_seed(n)
    im, aud = torch.randn(n, 64, generator=g) * 3, torch.randn(n, 64, generator=g) * 3
    ours = offset_distances(im, aud, vshift, chunk=16)
    ref = _reference_pdist(im, aud, vshift)
    assert ours.shape == (n, 2 * vshift + 1)
    torch.testing.assert_close(ours, ref, rtol=0, atol=2e-6)
    # a padded row is in effect the video embedding's norm (PROTOCOL.md)
    torch.testing.assert_close(ours[0, 0], torch.linalg.vector_norm(im[0] + 1e-6), rtol=0, atol=1e-5)


def test_summary_median_min_offset():
    mdist = torch.arange(31, dtype=torch.float32).flip(0) + 1.0  # min at index 30
    dists = mdist[None].repeat(4, 1)
    offset, conf, minval, md = summarise(dists, 15)
    assert offset == -15 and minval == 1.0
    assert conf == pytest.approx(16.0 - 1.0)  # median of 31 values = 16th smallest
    assert window_count(100, 64512) == (100, 95)
    assert window_count(100, 64000) == (100, 95)
    assert window_count(100, 32000) == (50, 45)


def _synthetic(n_frames, n_samples, seed=0, size=64):
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 255, (n_frames, size, size, 3), dtype=np.uint8)
    audio = (0.1 * rng.standard_normal(n_samples)).astype(np.float32)
    return Clip(id=f"syn{seed}", frames_source=frames, audio_source=audio)


@pytest.fixture
def tiny_metrics(tiny_weights, use_weights):
    use_weights(tiny_weights)
    # these synthetic clips are shorter than 2·vshift+1 windows: they test the reference's window count
    c, d = get_metric("lse_c")(min_windows=1), get_metric("lse_d")(min_windows=1)
    c.load("cpu")
    d.load("cpu")
    return c, d


@pytest.mark.parametrize("frames", [0, 3, 4, 5])
def test_too_short_clip_is_a_clip_failure(frames, tiny_metrics):
    clip = _synthetic(max(frames, 0), 640 * max(frames, 1))
    if frames == 0:
        clip = clip.replace(frames=np.zeros((0, 64, 64, 3), np.uint8))
    with pytest.raises(ClipFailure, match="SyncNet needs at least 5 frames|too short for SyncNet"):
        tiny_metrics[0].compute(clip, None)


def test_six_frames_give_one_window(tiny_metrics):
    out = tiny_metrics[0].compute(_synthetic(6, 6 * 640), None)
    assert out["n_windows"] == 1 and len(out["mdist"]) == 31 and out["n"] == 6


def test_silent_audio_gives_finite_scores(tiny_metrics):
    clip = _synthetic(30, 30 * 640).replace(audio=np.zeros(30 * 640, np.float32))
    c = tiny_metrics[0].compute(clip, None)
    d = tiny_metrics[1].compute(clip, None)
    assert np.isfinite(c["value"]) and np.isfinite(d["value"]) and c["value"] >= 0
    assert c["silent_audio"] is True and d["offset"] == c["offset"]


def test_no_audio_is_a_clip_failure(tiny_metrics):
    clip = Clip(id="mute", frames_source=np.zeros((20, 64, 64, 3), np.uint8))
    with pytest.raises(ClipFailure, match="no audio"):
        tiny_metrics[1].compute(clip, None)


def test_reference_audio_used_when_generated_has_none(tiny_metrics):
    ref = _synthetic(20, 20 * 640, seed=3)
    gen = Clip(id=ref.id, frames_source=ref.frames)
    assert tiny_metrics[0].compute(gen, ref)["audio_from"] == "reference"


def test_aggregate_plain_and_frame_weighted_mean(tiny_metrics):
    c = tiny_metrics[0]
    per = [c.compute(_synthetic(n, n * 640, seed=n), None) for n in (10, 30)]
    agg = c.aggregate(per)
    assert agg["value"] == pytest.approx((per[0]["value"] + per[1]["value"]) / 2)
    assert agg["frame_weighted_mean"] == pytest.approx((10 * per[0]["value"] + 30 * per[1]["value"]) / 40)


def test_changed_frames_never_score_the_file(realdata, tiny_metrics):
    """A generator output that kept the source path but not its frames is scored from its frames."""
    src = load_clip(realdata / "video" / "videoretalking_face_5.mp4")
    frames = src.frames[:40].copy()
    out_same = tiny_metrics[0].compute(src.replace(frames=src.frames), None)
    out_changed = tiny_metrics[0].compute(src.replace(frames=255 - frames, id="gen"), None)
    assert out_same["jpeg_source"] == "file"
    assert out_changed["jpeg_source"] == "rgb"


def test_30fps_and_44k_stereo_are_resampled_and_recorded(realdata, tiny_metrics):
    clip = load_clip(realdata / "video" / "videoretalking_face_4.mp4")
    out = tiny_metrics[0].compute(clip, None)
    io = out["io"]
    assert io["source_fps"] == pytest.approx(30.0, abs=0.01) and io["fps_resampled"] is True
    assert io["source_sample_rate"] in (44100, 48000) and io["audio_resampled"] is True
    assert out["jpeg_source"] == "rgb"  # 25 fps frames are not the file's 30 fps frames
    assert abs(out["n"] - 6.6 * 25) <= 2  # 6.6 s at 25 fps


def test_48k_stereo_wav_driving_audio(realdata, tiny_metrics):
    clip = load_clip(realdata / "video" / "videoretalking_face_5.mp4",
                     audio_path=realdata / "audio" / "videoretalking_audio_2.wav")
    out = tiny_metrics[1].compute(clip, None)
    assert out["io"]["source_sample_rate"] == 48000 and out["io"]["audio_downmixed"] is True
    assert np.isfinite(out["value"])


def test_wild_protocol_needs_the_video_file(tiny_weights, use_weights):
    """protocol=wild runs syncnet_python's pipeline on the file (tests/syncnet_wild): a clip held
    only in memory is a recorded failure that says so, never scored some other way."""
    use_weights(tiny_weights)
    clip = _synthetic(20, 20 * 640, seed=5, size=128)
    wild = get_metric("lse_c")(protocol="wild", face_backend="dlib")  # any detector: the file check comes first
    wild.load("cpu")
    with pytest.raises(ClipFailure, match="protocol=wild scores the video file as syncnet_python does"):
        wild.compute(clip, None)
    assert wild.protocol()["protocol"] == "wild" and "run_pipeline" in wild.protocol()["reference"]


def test_lse_c_and_lse_d_share_one_pass_without_hashing(tiny_metrics, monkeypatch):
    """The SyncNet pair is one computation: one network pass per clip, shared by the same
    arrays (no hash of the frames); a new array with the same pixels is scored again."""
    import hashlib

    from talkbench_syncnet import scoring

    c, d = tiny_metrics
    clip = _synthetic(40, 40 * 640, seed=3)
    hashed, passes = [], []
    real_hash, real_score = hashlib.blake2b, scoring.score_arrays
    monkeypatch.setattr(hashlib, "blake2b", lambda *a, **k: hashed.append(1) or real_hash(*a, **k))
    # the metric imports score_arrays when it first scores (start-up stays light)
    monkeypatch.setattr(scoring, "score_arrays", lambda *a, **k: passes.append(1) or real_score(*a, **k))
    rc, rd = c.compute(clip, None), d.compute(clip, None)
    assert len(passes) == 1 and len(hashed) == 0
    assert rc["lse_d"] == rd["value"] and rd["lse_c"] == rc["value"]
    again = d.compute(clip.replace(frames=clip.frames.copy()), None)  # other arrays: not the cached pass
    assert len(passes) == 2 and again["value"] == rd["value"]
