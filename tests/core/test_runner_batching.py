"""The runner hands a batching generator its clips in groups (one generate_batch call each)."""

from __future__ import annotations

import json

import pytest

from talkbench import plugins
from talkbench.runner import run_benchmark


@pytest.fixture(autouse=True)
def batch_plugin(fake_plugins):
    plugin = fake_plugins.BatchPlugin()
    plugins.pm.register(plugin, name="_batchfakes")
    yield
    plugins.pm.unregister(plugin, name="_batchfakes")


def _run(tmp_path, **options):
    return run_benchmark("batchgen", "fakeds", out=tmp_path / "res", progress=False, device="cpu",
                         metrics=["mae"], options=options)


def _entries(run_dir):
    return {p.stem: json.loads(p.read_text()) for p in sorted((run_dir / "scores").glob("*.json"))}


def test_clips_go_to_generate_batch_in_groups(fake_plugins, tmp_path):
    run_dir = _run(tmp_path, batch=4)
    assert fake_plugins.BATCHES == [4, 2]  # 6 clips
    entries = _entries(run_dir)
    assert [e["video"]["batch"] for e in entries.values()] == [4, 4, 4, 4, 2, 2]
    assert all(e["metrics"]["mae"]["value"] < 2.0 and not e["failures"] for e in entries.values())
    # resuming generates nothing again
    _run(tmp_path, batch=4)
    assert fake_plugins.BATCHES == [4, 2] and max(fake_plugins.CALLS.values()) == 1


def test_a_bad_clip_fails_alone_when_its_batch_raises(fake_plugins, tmp_path):
    fake_plugins.BEHAVIOUR["test001"] = "crash"
    run_dir = _run(tmp_path, batch=4)
    assert fake_plugins.BATCHES == [2]  # the first batch raised and went clip by clip
    entries = _entries(run_dir)
    assert [f["stage"] for f in entries["test001"]["failures"]] == ["generate"]
    assert "boom on test001" in entries["test001"]["failures"][0]["reason"]
    assert all(entries[c]["video"] and not entries[c]["failures"] for c in entries if c != "test001")
    record = json.loads((run_dir / "record.json").read_text())
    assert record["metrics"]["mae"]["n_clips"] == 5


def test_half_finished_group_generates_only_the_missing_clips(fake_plugins, tmp_path):
    run_dir = _run(tmp_path, batch=4)
    (run_dir / "scores" / "test002.json").unlink()
    (run_dir / "scores" / "test003.json").unlink()
    _run(tmp_path, batch=4)
    assert fake_plugins.BATCHES == [4, 2, 2]
    assert fake_plugins.CALLS["test002"] == 2 and fake_plugins.CALLS["test000"] == 1


def test_batch_of_one_never_calls_generate_batch(fake_plugins, tmp_path):
    _run(tmp_path, batch=1)
    assert fake_plugins.BATCHES == [] and sum(fake_plugins.CALLS.values()) == 6


def test_a_speed_knob_stays_out_of_the_run_key(fake_plugins, tmp_path):
    """batch does not change the videos (affects_output=False): another value resumes the run,
    while an option that does change them (gain) starts a new one."""
    first = _run(tmp_path, batch=1)
    (first / "scores" / "test005.json").unlink()
    assert _run(tmp_path, batch=3) == first
    assert sum(fake_plugins.CALLS.values()) == 7 and fake_plugins.BATCHES == []  # one clip left: no batch
    record = json.loads((first / "record.json").read_text())
    assert record["model"]["options"]["batch"] == 3  # still recorded
    assert _run(tmp_path, batch=3, gain=5) != first


def _count_file_hashes(monkeypatch):
    """Counters of sha256_file calls per file (the resume checks of clipwork and scored) and of
    the files whose bytes were read to hash them (memo misses)."""
    from collections import Counter
    from pathlib import Path

    from talkbench import hashing
    from talkbench.runner import clipwork, scored

    calls, reads = Counter(), Counter()
    real = hashing.sha256_file

    def counting(path, *args, **kwargs):
        calls[Path(path).name] += 1
        return real(path, *args, **kwargs)

    def counting_open(path, *args, **kwargs):
        reads[Path(path).name] += 1
        return open(path, *args, **kwargs)

    monkeypatch.setattr(clipwork, "sha256_file", counting)
    monkeypatch.setattr(scored, "sha256_file", counting)
    monkeypatch.setattr(hashing, "open", counting_open, raising=False)  # sha256_file's own reads
    hashing._memo.clear()  # a resume is a new process: nothing hashed yet
    return calls, reads


@pytest.mark.parametrize("added_metric", [False, True])
def test_batched_resume_checks_and_hashes_each_clip_file_once(fake_plugins, tmp_path, monkeypatch, added_metric):
    """On a batched resume the clip loop checks each score file once (shared by generate_batch and
    prepare_clip), the record build once more (it must see the files as they are at the end), and
    each file's bytes are read once (the memo serves the second check)."""
    from talkbench.runner import clipwork

    run_dir = _run(tmp_path, batch=4)
    checks = []
    real_valid = clipwork._valid_entry
    monkeypatch.setattr(clipwork, "_valid_entry", lambda plan, cid, e: checks.append(cid) or real_valid(plan, cid, e))
    calls, reads = _count_file_hashes(monkeypatch)
    metrics = ["mae", "loud"] if added_metric else ["mae"]  # a metric added later scores the kept videos
    run_benchmark("batchgen", "fakeds", out=tmp_path / "res", progress=False, device="cpu", metrics=metrics,
                  options={"batch": 4})
    ids = [f"test{i:03d}" for i in range(6)]
    assert sorted(checks) == ids  # the clip loop: once per clip (before: generate_batch and prepare_clip)
    videos = {p.name for p in run_dir.rglob("*") if p.is_file() and p.parent.name != "scores"
              and any(p.name.startswith(c) for c in ids) and p.suffix != ".json"}
    assert len(videos) == 12, videos  # per clip: the delivered mp4 and the lossless file scored
    assert {n: calls[n] for n in videos} == {n: 2 for n in videos}  # clip loop + record build
    assert {n: reads[n] for n in videos} == {n: 1 for n in videos}  # bytes hashed once
    assert fake_plugins.BATCHES == [4, 2] and max(fake_plugins.CALLS.values()) == 1  # nothing regenerated
    record = json.loads((run_dir / "record.json").read_text())
    assert record["coverage"]["complete"] and record["metrics"]["mae"]["n_clips"] == 6
    if added_metric:
        assert record["metrics"]["loud"]["n_clips"] == 6
