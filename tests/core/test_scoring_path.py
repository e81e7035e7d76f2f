"""What the metrics score: the generator's frames kept losslessly (or the mp4 on request),
the scored file's own audio, and length mismatches recorded and warned once."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkbench import Clip, Generator, hookimpl, read_frames
from talkbench.hashing import sha256_file
from talkbench.runner import run_benchmark


def _run(tmp_path, model="copygen", **kw):
    kw.setdefault("metrics", ["mae", "loud"])
    return run_benchmark(model, "fakeds", out=tmp_path / "res", progress=False, device="cpu", **kw)


def _entry(run_dir, clip_id):
    return json.loads((run_dir / "scores" / f"{clip_id}.json").read_text())


def _record(run_dir):
    return json.loads((run_dir / "record.json").read_text())


def test_metrics_score_the_generated_frames_exactly(fake_plugins, tmp_path):
    run_dir = _run(tmp_path, limit=2)
    rec = _record(run_dir)
    # an exact copy of the source scores MAE 0 (the crf-18 mp4 would be a few grey levels off)
    assert rec["metrics"]["mae"]["value"] == 0.0
    assert rec["io"]["scored_from"] == "lossless"
    e = _entry(run_dir, "test000")
    lossless = run_dir / e["video"]["lossless_path"]
    assert lossless.name == "test000.lossless.mkv" and lossless.is_file()
    assert e["video"]["scored_from"] == "lossless"
    assert e["video"]["scored_sha256"] == sha256_file(lossless) != e["video"]["sha256"]
    frames, _ = read_frames(lossless)
    assert np.array_equal(frames, fake_plugins.make_frames(0, 10))
    assert (run_dir / "videos" / "test000.mp4").is_file()  # the delivered mp4 stays for viewing


def test_score_from_encoded_scores_the_mp4_in_its_own_run(fake_plugins, tmp_path):
    lossless_dir = _run(tmp_path, limit=2)
    encoded_dir = _run(tmp_path, limit=2, score_from="encoded")
    assert encoded_dir != lossless_dir
    rec = _record(encoded_dir)
    assert rec["io"]["scored_from"] == "encoded"
    assert 0.0 < rec["metrics"]["mae"]["value"] < 3.0  # H.264 moves pixels a little
    e = _entry(encoded_dir, "test001")
    assert e["video"]["scored_from"] == "encoded"
    assert e["video"]["scored_sha256"] == e["video"]["sha256"] == sha256_file(encoded_dir / "videos" / "test001.mp4")
    assert _record(lossless_dir)["metrics"]["mae"]["value"] == 0.0


def test_unknown_score_from_is_an_error(fake_plugins, tmp_path):
    from talkbench.errors import TalkbenchError

    with pytest.raises(TalkbenchError, match="--score-from 'mp4': use one of lossless, encoded"):
        _run(tmp_path, limit=1, score_from="mp4")


def test_resumed_run_scores_the_same_frames_and_regenerates_a_lost_copy(fake_plugins, tmp_path):
    run_dir = _run(tmp_path, limit=2, options={"gain": 7}, metrics=["mae"])
    first = _entry(run_dir, "test000")
    _run(tmp_path, limit=2, options={"gain": 7}, metrics=["mae", "loud"])
    again = _entry(run_dir, "test000")
    assert fake_plugins.CALLS["test000"] == 1  # not regenerated: the same lossless frames scored
    assert again["video"]["scored_sha256"] == first["video"]["scored_sha256"]
    assert again["metrics"]["mae"]["value"] == first["metrics"]["mae"]["value"] == 7.0
    (run_dir / first["video"]["lossless_path"]).unlink()
    _run(tmp_path, limit=2, options={"gain": 7}, metrics=["mae", "loud"])
    assert fake_plugins.CALLS["test000"] == 2  # the scored copy is gone: generate again
    assert (run_dir / first["video"]["lossless_path"]).is_file()


def test_audio_comes_from_the_scored_file(fake_plugins, tmp_path):
    run_dir = _run(tmp_path, limit=3)
    rec = _record(run_dir)
    assert rec["io"]["audio_from"] == {"file": 3}
    e = _entry(run_dir, "test000")
    assert e["video"]["audio_from"] == "file"
    src = np.sin(np.arange(10 * 640) / 7.0).astype(np.float32) * 0.1
    # float PCM in the lossless copy: the scored audio is the driving audio, sample for sample
    assert e["metrics"]["loud"]["value"] == pytest.approx(float(np.sqrt(np.mean(src ** 2))), abs=0)


class ShortGen(Generator):
    """Returns the first 3 frames only (a model that stops early)."""

    name = "shortgen"
    version = "1"

    def generate(self, source, audio, *, seed=None):
        return source.replace(frames=source.frames[:3])


class _ShortPlugin:
    @hookimpl
    def register_generators(self, register):
        register(ShortGen)


def test_length_mismatches_are_recorded_per_clip_and_warned_once(fake_plugins, tmp_path, capfd):
    from talkbench import plugins

    plugins.pm.register(_ShortPlugin(), name="_short")
    try:
        run_dir = _run(tmp_path, model="shortgen", limit=3)
    finally:
        plugins.pm.unregister(name="_short")
    err = capfd.readouterr().err
    assert err.count("length mismatch") == 1
    lengths = _entry(run_dir, "test001")["video"]["lengths"]
    assert lengths["scored_frames"] == 3 and lengths["reference_frames"] == 11
    assert lengths["mismatch"] == ["audio 0.44 s vs video 0.12 s", "3 scored frames vs 11 reference frames"]
    rec = _record(run_dir)
    assert sorted(rec["io"]["length_mismatches"]) == ["test000", "test001", "test002"]


def test_matching_lengths_are_recorded_without_a_mismatch(fake_plugins, tmp_path, capfd):
    run_dir = _run(tmp_path, limit=2)
    assert "length mismatch" not in capfd.readouterr().err
    lengths = _entry(run_dir, "test000")["video"]["lengths"]
    assert lengths == {"scored_frames": 10, "video_seconds": 0.4, "audio_seconds": 0.4,
                       "reference_frames": 10, "mismatch": []}
    assert _record(run_dir)["io"]["length_mismatches"] == {}
