"""Faults: interrupted runs, crashing generators, bad frames, full disks, corrupt caches."""

from __future__ import annotations

import csv
import errno
import json
import os

import pytest

from talkbench.errors import TalkbenchError
from talkbench.runner import run_benchmark


def _run(tmp_path, **kw):
    kw.setdefault("metrics", ["mae"])
    kw.setdefault("limit", 5)
    return run_benchmark("copygen", "fakeds", out=tmp_path / "res", progress=False, device="cpu", **kw)


def test_interrupted_run_resumes_without_recomputing(fake_plugins, tmp_path):
    fake_plugins.BEHAVIOUR["test003"] = "interrupt"
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path)
    run_dir = next((tmp_path / "res" / "runs").iterdir())
    assert not (run_dir / "record.json").exists()  # no record for an unfinished run
    done = sorted(p.stem for p in (run_dir / "scores").glob("*.json"))
    assert done == ["test000", "test001", "test002"]  # nothing lost
    assert not list(run_dir.rglob(".*tmp"))  # no temp files left behind
    fake_plugins.BEHAVIOUR.clear()
    fake_plugins.CALLS.clear()
    fake_plugins.SCORED.clear()
    assert _run(tmp_path) == run_dir
    assert sorted(fake_plugins.CALLS) == ["test003", "test004"]  # only the unfinished clips
    assert all(c in ("test003", "test004") for (_, c) in fake_plugins.SCORED)
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["metrics"]["mae"]["n_clips"] == 5 and rec["failures"] == []


@pytest.mark.parametrize("mode, reason", [
    ("crash", "RuntimeError: boom on test001"),
    ("nan", "generated frames contain NaN/inf in 1 of 11 frames"),
    ("empty", "generated frames are empty (shape (0, 128, 128, 3))"),
    ("shape", "generated frames have shape (4, 128, 128); expected T×H×W×3"),
])
def test_bad_generator_output_is_a_recorded_failure(fake_plugins, tmp_path, mode, reason):
    fake_plugins.BEHAVIOUR["test001"] = mode
    run_dir = _run(tmp_path, metrics=["mae", "loud"])
    rec = json.loads((run_dir / "record.json").read_text())
    assert len(rec["failures"]) == 1
    f = rec["failures"][0]
    assert (f["clip_id"], f["stage"], f["reason"]) == ("test001", "generate", reason)
    assert rec["n_failed_clips"] == 1
    assert rec["metrics"]["mae"]["n_clips"] == 4 and rec["metrics"]["mae"]["n_failed"] == 1
    assert not (run_dir / "videos" / "test001.mp4").exists()
    with open(run_dir / "per_clip.csv") as fh:
        rows = {r["clip_id"]: r for r in csv.DictReader(fh)}
    assert rows["test001"] == {"clip_id": "test001", "mae": "", "loud": "", "failures": f"generate: {reason}"}
    assert float(rows["test000"]["mae"]) < 3.0
    # a failed clip is retried on the next run; once it works, the record is clean
    fake_plugins.BEHAVIOUR.clear()
    fake_plugins.CALLS.clear()
    _run(tmp_path, metrics=["mae", "loud"])
    assert list(fake_plugins.CALLS) == ["test001"]
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["failures"] == [] and rec["metrics"]["mae"]["n_clips"] == 5


def test_metric_failure_on_one_clip_keeps_other_metrics(fake_plugins, tmp_path):
    fake_plugins.BEHAVIOUR["test002"] = "metricfail"
    rec = json.loads((_run(tmp_path, metrics=["mae", "flaky"]) / "record.json").read_text())
    assert rec["metrics"]["mae"]["n_clips"] == 5 and rec["metrics"]["flaky"]["n_clips"] == 4
    assert [(f["clip_id"], f["stage"], f["reason"]) for f in rec["failures"]] == [
        ("test002", "metric:flaky", "no face found")]


def test_unavailable_metric_is_reported_and_others_run(fake_plugins, tmp_path):
    rec = json.loads((_run(tmp_path, metrics=["mae", "noweights"]) / "record.json").read_text())
    nw = rec["metrics"]["noweights"]
    assert nw["status"] == "unavailable" and nw["value"] is None
    assert nw["reason"] == "noweights: file nw.pth missing; put it at /somewhere/nw.pth"
    assert rec["metrics"]["mae"]["status"] == "ok" and rec["metrics"]["mae"]["n_clips"] == 5


def test_transcript_metric_unavailable_without_transcripts(fake_plugins, tmp_path):
    run_dir = run_benchmark("copygen", "fakeds", out=tmp_path / "res", progress=False, device="cpu", limit=2,
                            metrics=["mae", "words"], dataset_options={"transcripts": False})
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["metrics"]["words"]["status"] == "unavailable"
    assert "needs transcripts" in rec["metrics"]["words"]["reason"]
    # default metrics: every registered one whose needs the dataset meets (no 'words' here)
    run_dir = run_benchmark("copygen", "fakeds", out=tmp_path / "res2", progress=False, device="cpu", limit=2,
                            dataset_options={"transcripts": False})
    rec = json.loads((run_dir / "record.json").read_text())
    assert sorted(rec["metrics"]) == ["flaky", "loud", "mae", "noweights"]
    run_dir = run_benchmark("copygen", "fakeds", out=tmp_path / "res3", progress=False, device="cpu", limit=2)
    assert "words" in json.loads((run_dir / "record.json").read_text())["metrics"]


def test_disk_full_leaves_no_half_written_record(fake_plugins, tmp_path, monkeypatch):
    run_dir = _run(tmp_path)
    before = (run_dir / "record.json").read_bytes()
    real_write = os.write

    def full_disk(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))  # half the bytes land, then ENOSPC
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(TalkbenchError, match="No space left on device"):
        _run(tmp_path, metrics=["mae", "loud"])
    monkeypatch.undo()
    assert (run_dir / "record.json").read_bytes() == before  # the old record, intact
    assert not list(run_dir.rglob("*.tmp"))
    for p in (run_dir / "scores").glob("*.json"):
        json.loads(p.read_text())  # every score file still parses


def test_disk_full_on_rename_of_a_new_record(fake_plugins, tmp_path, monkeypatch):
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("record.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(TalkbenchError, match=r"record.json: cannot write \(No space left on device\)"):
        _run(tmp_path)
    run_dir = next((tmp_path / "res" / "runs").iterdir())
    assert not (run_dir / "record.json").exists() and not list(run_dir.rglob("*.tmp"))


def test_corrupt_cache_entries_are_recomputed(fake_plugins, tmp_path):
    run_dir = _run(tmp_path)
    (run_dir / "scores" / "test001.json").write_text('{"clip_id": "test001", "metr')  # truncated
    video = run_dir / "videos" / "test003.mp4"
    video.write_bytes(video.read_bytes()[:200])  # hash no longer matches
    (run_dir / "scores" / "test004.json").write_text("[]")  # parses but is not an entry
    fake_plugins.CALLS.clear()
    _run(tmp_path)
    assert sorted(fake_plugins.CALLS) == ["test001", "test003", "test004"]
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["failures"] == [] and rec["metrics"]["mae"]["n_clips"] == 5


def test_unknown_names_and_bad_options_fail_before_work(fake_plugins, tmp_path):
    with pytest.raises(TalkbenchError, match="unknown model 'copygn'. Did you mean 'copygen'"):
        run_benchmark("copygn", "fakeds", out=tmp_path, progress=False)
    with pytest.raises(TalkbenchError, match="unknown metric 'maee'. Did you mean 'mae'"):
        run_benchmark("copygen", "fakeds", metrics=["maee"], out=tmp_path, progress=False)
    with pytest.raises(TalkbenchError, match="unknown dataset 'fakeda'. Did you mean 'fakeds'"):
        run_benchmark("copygen", "fakeda", out=tmp_path, progress=False)
    with pytest.raises(TalkbenchError, match=r"option gain=99 must be <= 50"):
        run_benchmark("copygen", "fakeds", options={"gain": "99"}, out=tmp_path, progress=False)
    with pytest.raises(TalkbenchError, match="has no split 'dev'"):
        run_benchmark("copygen", "fakeds", split="dev", out=tmp_path, progress=False)
    assert not (tmp_path / "runs").exists()


def test_undecodable_video_is_one_failure_and_not_duplicated(fake_plugins, tmp_path, monkeypatch):
    import talkbench.runner.scored as cw  # where the scored file is decoded
    from talkbench.errors import MediaError

    real = cw.read_frames

    def broken(path, fps=25.0):
        if path.name.startswith("test002."):
            raise MediaError(f"{path}: cannot decode video (simulated)")
        return real(path, fps)

    monkeypatch.setattr(cw, "read_frames", broken)
    for _ in range(2):
        rec = json.loads((_run(tmp_path, metrics=["mae", "loud"]) / "record.json").read_text())
        assert [(f["clip_id"], f["stage"]) for f in rec["failures"]] == [("test002", "decode")]
        assert rec["metrics"]["mae"]["n_clips"] == 4
    monkeypatch.setattr(cw, "read_frames", real)
    rec = json.loads((_run(tmp_path, metrics=["mae", "loud"]) / "record.json").read_text())
    assert rec["failures"] == [] and rec["metrics"]["loud"]["n_clips"] == 5
