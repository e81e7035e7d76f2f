"""The embedded demo dataset: layout, splits, transcripts, geometry, audio-visual coupling."""

from __future__ import annotations

import re

import numpy as np
import pytest

import talkbench
from talkbench.builtins import demo_speech
from talkbench.builtins.demo_build import MANIFEST, DemoConfig, cache_dir, ensure_built


def frame_rms(audio: np.ndarray, n_frames: int) -> np.ndarray:
    hop = 640  # 16 kHz / 25 fps
    return np.array([np.sqrt(np.mean(audio[i * hop : (i + 1) * hop] ** 2)) for i in range(n_frames)])


def test_registered_through_entry_point():
    assert talkbench.get_dataset("demo").name == "demo"
    assert {"gt", "static"} <= set(talkbench.plugins.get_generators())


def test_default_build_time(tmp_path, monkeypatch):
    """Always a fresh build (its own TALKBENCH_HOME), whatever other tests cached already."""
    import time

    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path / "home"))
    cfg = DemoConfig()
    assert not (cache_dir(cfg) / "manifest.json").exists()
    # CPU time of this process (x264 threads included): wall time would measure the neighbours
    t0 = time.process_time()
    ensure_built(cfg, progress=False)
    seconds = time.process_time() - t0
    # the brief: under ~10 s on 2 cores (about 5 CPU-seconds when measured alone)
    assert seconds < 10.0, f"default demo build took {seconds:.1f} CPU-seconds"


def test_splits_counts_and_shapes(demo):
    test_ids, train_ids = demo.clip_ids("test"), demo.clip_ids("train")
    assert len(test_ids) == 8 and len(train_ids) == 24
    assert not set(test_ids) & set(train_ids)
    assert len({i.split("_")[0] for i in test_ids}) == 4  # every speaker in both splits
    clip = demo.load_clip("test", test_ids[0])
    assert callable(clip.frames_source)  # lazy until used
    assert clip.frames.shape == (75, 128, 128, 3) and clip.frames.dtype == np.uint8
    assert clip.audio.shape == (48000,) and clip.audio.dtype == np.float32
    assert clip.fps == 25.0 and clip.sample_rate == 16000 and clip.speaker == "spk00"
    assert clip.meta["landmarks"].shape == (75, 68, 2) and clip.meta["landmarks"].dtype == np.float32
    assert clip.meta["boxes"].shape == (75, 4) and clip.meta["boxes"].dtype == np.float32
    assert clip.meta["mouth_open"].shape == (75,)
    with pytest.raises(talkbench.DatasetNotFoundError, match="no split 'val'"):
        demo.clip_ids("val")


def test_file_list_hash_covers_contents(demo):
    h = demo.file_list_hash("test")
    assert len(h) == 64 and h != demo.file_list_hash("train")
    assert h != talkbench.Dataset.file_list_hash(demo, "test")  # not just the ids
    assert h == talkbench.get_dataset("demo")().file_list_hash("test")


def test_transcripts_match_syllables_and_test_sentences_are_unseen(demo):
    train = {demo.load_clip("train", i).transcript for i in demo.clip_ids("train")}
    for cid in demo.clip_ids("test"):
        clip = demo.load_clip("test", cid)
        assert clip.transcript not in train
        syl = clip.meta["syllables"]
        assert len(syl) >= 4
        words = {}
        for s in syl:
            assert re.fullmatch(r"[bdgptksmnl][aeiou]", s["text"])
            assert 0 < s["start"] < s["end"] <= 3.0
            words.setdefault(s["word"], []).append(s["text"])
        assert clip.transcript == " ".join("".join(w) for _, w in sorted(words.items()))
        starts = [s["start"] for s in syl]
        assert starts == sorted(starts)


def test_landmark_layout_is_ibug68(demo):
    clip = demo.load_clip("test", demo.clip_ids("test")[2])
    for lm, box in zip(clip.meta["landmarks"], clip.meta["boxes"]):
        x, y = lm[:, 0], lm[:, 1]
        assert x[0] < x[8] < x[16] and y[8] == y[:17].max()  # jaw: ear, chin, ear
        assert x[17] < x[21] < x[22] < x[26]  # brows left to right
        assert y[17:27].max() < y[36:48].min()  # brows above eyes
        assert x[36] < x[39] < x[42] < x[45]  # eye corners
        assert abs(x[33] - x[27]) < 1e-3 and y[27] < y[30] < y[33]  # nose bridge then tip
        assert x[48] < x[60] < x[64] < x[54]  # inner lip corners inside the outer ones
        assert y[51] <= y[62] <= y[66] <= y[57]  # upper outer, upper inner, lower inner, lower outer
        assert y[33] < y[51]  # mouth below nose
        assert box[0] <= x.min() and box[2] >= x.max() and box[1] <= y.min() and box[3] >= y.max() - 1e-3
        assert (lm >= 0).all() and (lm < 128).all()


def test_mouth_follows_audio_envelope(demo):
    """Opening (landmarks and drawn pixels) correlates with loudness, at zero lag."""
    lm_corr, px_corr = [], []
    for cid in demo.clip_ids("test"):
        clip = demo.load_clip("test", cid)
        rms = frame_rms(clip.audio, clip.num_frames)
        gap = clip.meta["landmarks"][:, 66, 1] - clip.meta["landmarks"][:, 62, 1]
        lm_corr.append(np.corrcoef(gap, rms)[0, 1])
        assert np.corrcoef(clip.meta["mouth_open"], rms)[0, 1] > 0.8
        # pixels: dark mouth-interior area inside the lip box of each decoded frame
        dark = []
        for frame, lm in zip(clip.frames, clip.meta["landmarks"]):
            x0, y0 = np.floor(lm[48:60].min(0)).astype(int)
            x1, y1 = np.ceil(lm[48:60].max(0)).astype(int) + 1
            patch = frame[y0:y1, x0:x1].astype(int)
            dark.append(int(((patch.sum(-1) < 150) & (patch[..., 0] < 90)).sum()))
        px_corr.append(np.corrcoef(dark, rms)[0, 1])
        # the best audio-visual alignment is at zero offset (lip sync is exact)
        lags = range(-3, 4)
        scores = [np.corrcoef(np.roll(gap, k)[3:-3], rms[3:-3])[0, 1] for k in lags]
        assert list(lags)[int(np.argmax(scores))] == 0
    assert min(lm_corr) > 0.8, lm_corr
    assert np.mean(px_corr) > 0.8 and min(px_corr) > 0.7, px_corr


def test_mouth_width_follows_vowel_quality(demo):
    widths = {"i": [], "u": []}
    for cid in demo.clip_ids("train")[:12]:
        clip = demo.load_clip("train", cid)
        lm = clip.meta["landmarks"]
        for s in clip.meta["syllables"]:
            if s["text"][1] in widths:
                t = int((s["end"] - 0.06) * 25)  # late in the vowel nucleus
                widths[s["text"][1]].append(lm[t, 54, 0] - lm[t, 48, 0])
    assert len(widths["i"]) >= 3 and len(widths["u"]) >= 3
    assert np.mean(widths["i"]) > 1.3 * np.mean(widths["u"])


def test_audio_has_speech_and_pauses(demo):
    clip = demo.load_clip("test", demo.clip_ids("test")[0])
    rms = frame_rms(clip.audio, clip.num_frames)
    assert 0.05 < rms.max() < 0.5
    assert (rms < 0.01).sum() >= 5  # leading silence and pauses between words
    assert (rms > 0.05).sum() >= 20


def test_two_builds_are_byte_identical(tmp_path, monkeypatch):
    cfg = DemoConfig(size=64, n_speakers=2, clips_per_speaker=2, seconds=1.5)
    hashes = []
    for run in ("a", "b"):
        monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path / run))
        root = ensure_built(cfg, progress=False)
        assert root == cache_dir(cfg) and root.name == "v1-64-s2c2t1.5"
        manifest = (root / MANIFEST).read_bytes()
        files = {p.name: talkbench.sha256_file(p) for p in sorted(root.iterdir())}
        hashes.append((manifest, files))
        assert not [p for p in root.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left
    assert hashes[0] == hashes[1]
    assert len(hashes[0][1]) == 4 * 3 + 1


def test_cached_build_is_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))
    cfg = DemoConfig(size=64, n_speakers=1, clips_per_speaker=2, seconds=1.0)
    root = ensure_built(cfg, progress=False)
    stamp = (root / MANIFEST).stat().st_mtime_ns
    assert ensure_built(cfg, progress=False) == root
    assert (root / MANIFEST).stat().st_mtime_ns == stamp


@pytest.mark.parametrize("size", [64, 256])
def test_sizes_scale_one_layout(tmp_path, monkeypatch, size):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))
    opts = dict(n_speakers=1, clips_per_speaker=2, seconds=1.0)
    small = talkbench.get_dataset("demo")(size=128, **opts)
    other = talkbench.get_dataset("demo")(size=size, **opts)
    a, b = small.load_clip("test", "spk00_000"), other.load_clip("test", "spk00_000")
    assert b.frames.shape == (25, size, size, 3)
    np.testing.assert_allclose(b.meta["landmarks"], a.meta["landmarks"] * size / 128, rtol=1e-5, atol=1e-3)
    assert a.transcript == b.transcript
    np.testing.assert_array_equal(a.audio, b.audio)


def test_bad_option_is_one_line_error():
    with pytest.raises(talkbench.OptionError, match="size=100 must be one of 64, 128, 256"):
        talkbench.get_dataset("demo")(size=100)


def test_speech_per_frame_average():
    sig = np.r_[np.ones(640), np.zeros(640), np.full(640, 0.5)]
    np.testing.assert_allclose(demo_speech.per_frame(sig, 3, smooth=False), [1, 0, 0.5])
