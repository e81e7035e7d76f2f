"""LSE scores the scored file's own speech: cross-driven outputs (clip A's video dubbed with clip
B's speech, as Wav2Lip's LRS2 protocol) are scored against B's speech, not the dataset's A."""

from __future__ import annotations

import json

import numpy as np
import pytest

import talkbench
from talkbench import get_metric, load_clip, read_audio, read_frames, write_video
from talkbench.runner.evaluate import evaluate_videos

A = "video/sadtalker_WDA_AlexandriaOcasioCortez_000.mp4"
B = "video/sadtalker_WDA_KatieHill_000.mp4"
SECONDS = 2


@pytest.fixture(autouse=True)
def _no_overrides():
    """evaluate_videos(weights=...) sets process-wide overrides; leave none behind."""
    from talkbench.weights import clear_weight_overrides

    clear_weight_overrides()
    yield
    clear_weight_overrides()


def _cut(realdata, rel, seconds=SECONDS, size=128):
    import cv2

    frames, _ = read_frames(realdata / rel, 25)
    frames = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in frames[: 25 * seconds]])
    audio, _ = read_audio(realdata / rel, 16000)
    return frames, audio[: 16000 * seconds]


@pytest.fixture
def dubbed(realdata, tmp_path):
    """A dataset folder holding clip A, and a videos folder holding A's video with B's speech."""
    a_frames, a_audio = _cut(realdata, A)
    _, b_audio = _cut(realdata, B)
    ds = tmp_path / "ds"
    write_video(ds / "clipA.mp4", a_frames, 25, audio=a_audio)
    write_video(tmp_path / "vids" / "clipA.mp4", a_frames, 25, audio=b_audio)
    return ds, tmp_path / "vids"


def _lse_d(clip, tiny_weights, use_weights):
    use_weights(tiny_weights)
    m = get_metric("lse_d")()
    m.load("cpu")
    return m.compute(clip, None)


def test_evaluate_scores_a_dubbed_file_against_its_own_speech(dubbed, tmp_path, tiny_weights, use_weights):
    ds, vids = dubbed
    use_weights(tiny_weights)
    run_dir, match = evaluate_videos(vids, "folder", data_root=ds, metrics=["lse_d"], out=tmp_path / "res",
                                     weights={"syncnet": tiny_weights}, device="cpu", progress=False)
    assert match.matched and not match.clips_without_video
    entry = json.loads((run_dir / "scores" / "clipA.json").read_text())
    assert entry["video"]["audio_from"] == "file" and entry["video"]["scored_from"] == "external"
    scored = entry["metrics"]["lse_d"]
    assert scored["audio_from"] == "file"
    own = load_clip(vids / "clipA.mp4")  # the dubbed file with its own (B) track
    expected = _lse_d(own, tiny_weights, use_weights)
    assert scored["value"] == pytest.approx(expected["value"], abs=1e-6)
    a_audio, _ = read_audio(ds / "clipA.mp4", 16000)
    with_dataset_audio = _lse_d(own.replace(audio=a_audio), tiny_weights, use_weights)
    assert abs(with_dataset_audio["value"] - scored["value"]) > 1e-3  # A's speech would give another number
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["io"]["audio_from"] == {"file": 1} and rec["io"]["scored_from"] == "external"


def test_a_silent_file_is_scored_against_the_dataset_audio(dubbed, realdata, tmp_path, tiny_weights, use_weights):
    ds, _ = dubbed
    frames, _ = read_frames(ds / "clipA.mp4")
    write_video(tmp_path / "mute" / "clipA.mp4", frames, 25)  # no audio track
    use_weights(tiny_weights)
    run_dir, _ = evaluate_videos(tmp_path / "mute", "folder", data_root=ds, metrics=["lse_d"], out=tmp_path / "res",
                                 weights={"syncnet": tiny_weights}, device="cpu", progress=False)
    entry = json.loads((run_dir / "scores" / "clipA.json").read_text())
    assert entry["video"]["audio_from"] == "dataset" and entry["metrics"]["lse_d"]["audio_from"] == "dataset"
    assert json.loads((run_dir / "record.json").read_text())["io"]["audio_from"] == {"dataset": 1}


def test_too_few_windows_fail_the_clip_with_the_reason(tiny_weights, use_weights):
    rng = np.random.default_rng(0)
    clip = talkbench.Clip(id="short_audio", frames_source=rng.integers(0, 255, (100, 64, 64, 3), dtype=np.uint8),
                          audio_source=(0.1 * rng.standard_normal(8000)).astype(np.float32))
    use_weights(tiny_weights)
    m = get_metric("lse_c")()
    m.load("cpu")
    with pytest.raises(talkbench.ClipFailure) as e:
        m.compute(clip, None)  # 0.5 s of audio under 4 s of video: LSE-C was exactly 0.0
    assert str(e.value).startswith("too few SyncNet windows: 4.00 s of video and 0.50 s of audio give 7 windows, "
                                   "LSE needs 31")
    assert "min_windows=1" in str(e.value)
    ref = get_metric("lse_c")(min_windows=1)
    ref.load("cpu")
    assert ref.compute(clip, None)["n_windows"] == 7  # the reference's count is still available


def test_audio_shorter_than_the_video_is_noted(tiny_weights, use_weights):
    rng = np.random.default_rng(1)
    clip = talkbench.Clip(id="part", frames_source=rng.integers(0, 255, (100, 64, 64, 3), dtype=np.uint8),
                          audio_source=(0.1 * rng.standard_normal(64 * 640)).astype(np.float32))
    use_weights(tiny_weights)
    m = get_metric("lse_d")()
    m.load("cpu")
    out = m.compute(clip, None)
    assert out["note"] == "scored on 64 of 100 video frames (the audio is shorter)"
    assert out["video_frames"] == 100 and out["audio_frames"] == 64


def test_random_bytes_as_weights_is_one_line_naming_the_file(tmp_path, use_weights):
    bad = tmp_path / "syncnet_v2.model"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    use_weights(bad)
    m = get_metric("lse_c")()
    with pytest.raises(talkbench.WeightsInvalidError) as e:
        m.load("cpu")
    msg = str(e.value)
    assert msg == (f"{bad}: cannot load SyncNet weights: not a PyTorch checkpoint (neither a zip nor a pickle "
                   "file) (UnpicklingError); download the file again (or pass the right file with --weights)")
    assert "weights_only" not in msg and "\n" not in msg


def test_evaluate_decodes_the_scored_file_once(dubbed, tmp_path, tiny_weights, use_weights, monkeypatch):
    """The runner keeps the decoder's planes for the lrs jpg dump: the file is not decoded a
    second time, and the numbers equal the metric's own second-decode path (roundtrip_file)."""
    from talkbench_syncnet import prep

    _, vids = dubbed
    expected = _lse_d(load_clip(vids / "clipA.mp4"), tiny_weights, use_weights)  # decodes twice
    assert expected["jpeg_source"] == "file"
    use_weights(tiny_weights)  # a fresh result cache

    def second_decode(*a, **k):
        raise AssertionError("the scored file was decoded a second time")

    monkeypatch.setattr(prep, "roundtrip_file", second_decode)
    run_dir, _ = evaluate_videos(vids, "folder", data_root=vids, metrics=["lse_d"], out=tmp_path / "res1",
                                 weights={"syncnet": tiny_weights}, device="cpu", progress=False)
    scored = json.loads((run_dir / "scores" / "clipA.json").read_text())["metrics"]["lse_d"]
    assert scored["jpeg_source"] == "file"
    assert scored["value"] == expected["value"] and scored["offset"] == expected["offset"]
