"""Runner end to end with fake generator/metrics/dataset: outputs, record fields, resume."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from talkbench import read_frames
from talkbench.records import load_records
from talkbench.reports import select_runs
from talkbench.runner import run_benchmark


def _run(tmp_path, **kw):
    kw.setdefault("metrics", ["mae", "loud"])
    return run_benchmark("copygen", "fakeds", out=tmp_path / "res", progress=False, device="cpu", **kw)


def test_run_writes_videos_scores_csv_and_record(fake_plugins, tmp_path):
    run_dir = _run(tmp_path, limit=4, options={"gain": 10}, label="bright")
    assert run_dir.parent == tmp_path / "res" / "runs"
    assert run_dir.name.startswith("copygen-fakeds-test-") and len(run_dir.name.split("-")[-1]) == 12
    videos = sorted(p.name for p in (run_dir / "videos").glob("*.mp4"))
    assert videos == ["test000.mp4", "test001.mp4", "test002.mp4", "test003.mp4"]
    frames, _ = read_frames(run_dir / "videos" / "test001.mp4")
    assert frames.shape == (11, 128, 128, 3)  # clip 1 has 10 + 1 % 3 frames
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["schema_version"] == 1
    assert rec["model"] == {**rec["model"], "name": "copygen", "version": "1", "options": {"gain": 10},
                            "checkpoint": None, "label": "bright"}
    assert rec["model"]["effective_options"] == {"gain": 10, "device": "cpu"}  # asked after load()
    assert rec["dataset"]["name"] == "fakeds" and rec["dataset"]["split"] == "test"
    assert rec["dataset"]["n_clips"] == 4 and len(rec["dataset"]["file_list_sha256"]) == 64
    assert rec["seeds"] == {"seed": 0}
    assert rec["io"]["fps"] == 25.0 and rec["io"]["sample_rate"] == 16000
    assert rec["talkbench"]["version"] == "0.1.0" and len(rec["talkbench"]["git_hash"]) == 40
    assert rec["environment"]["torch"] and rec["environment"]["device"] == "cpu"
    mae = rec["metrics"]["mae"]
    assert mae["status"] == "ok" and mae["higher_is_better"] is False and mae["aggregation"] == "pooled"
    assert mae["n_clips"] == 4 and mae["version"] == "2"
    # the video is H.264: the error to the reference is about the gain (10) plus codec noise
    assert 8.0 < mae["value"] < 12.0
    per = {}
    with open(run_dir / "per_clip.csv") as f:
        for row in csv.DictReader(f):
            per[row["clip_id"]] = row
    assert list(per) == ["test000", "test001", "test002", "test003"]
    # pooled = frame-weighted mean of per-clip values
    vals = np.array([float(per[c]["mae"]) for c in per])
    n = np.array([10, 11, 12, 10])
    assert mae["value"] == pytest.approx((vals * n).sum() / n.sum(), rel=1e-9)
    assert mae["clip_mean"] == pytest.approx(vals.mean(), rel=1e-9)
    loud = rec["metrics"]["loud"]
    assert loud["value"] == pytest.approx(0.1 / np.sqrt(2), rel=2e-2) and loud["n"] == 4
    scores = json.loads((run_dir / "scores" / "test002.json").read_text())
    assert set(scores["metrics"]) == {"mae", "loud"} and len(scores["video"]["sha256"]) == 64
    assert rec["failures"] == []


def test_resume_skips_finished_and_adds_metric(fake_plugins, tmp_path):
    first = _run(tmp_path, limit=3, metrics=["mae"])
    assert sum(fake_plugins.CALLS.values()) == 3
    again = _run(tmp_path, limit=3, metrics=["mae"])
    assert again == first and sum(fake_plugins.CALLS.values()) == 3  # nothing regenerated
    assert sum(v for (m, _), v in fake_plugins.SCORED.items() if m == "mae") == 3  # nor rescored
    _run(tmp_path, limit=3, metrics=["mae", "loud"])
    assert sum(fake_plugins.CALLS.values()) == 3
    assert sum(v for (m, _), v in fake_plugins.SCORED.items() if m == "loud") == 3
    assert sum(v for (m, _), v in fake_plugins.SCORED.items() if m == "mae") == 3
    # a larger limit shares the cache: only the new clips are generated
    _run(tmp_path, limit=5, metrics=["mae", "loud"])
    assert sum(fake_plugins.CALLS.values()) == 5
    # a changed metric option rescores that metric only
    run_benchmark("copygen", "fakeds", out=tmp_path / "res", progress=False, device="cpu", limit=5,
                  metrics=["mae", "loud"], metric_options={"loud": {"scale": 2.0}})
    assert sum(v for (m, _), v in fake_plugins.SCORED.items() if m == "loud") == 10
    assert sum(fake_plugins.CALLS.values()) == 5
    rec = load_records(tmp_path / "res")[0]
    assert rec["metrics"]["loud"]["protocol"] == {"scale": 2.0}


def test_different_options_get_a_different_run_dir(fake_plugins, tmp_path):
    a = _run(tmp_path, limit=1)
    b = _run(tmp_path, limit=1, options={"gain": 5})
    c = _run(tmp_path, limit=1, seed=1)
    assert len({a, b, c}) == 3
    recs = select_runs(load_records(tmp_path / "res"), models=["copygen"], datasets=["fakeds"], latest=False)
    assert len(recs) == 3 and recs[0]["created_at"] >= recs[-1]["created_at"]
    assert [r["seeds"]["seed"] for r in select_runs(load_records(tmp_path / "res"), models=["copygen"], latest=False)].count(1) == 1


def test_progress_bar_shows_rate_and_eta(fake_plugins, tmp_path, capsys, monkeypatch):
    # captured stderr is not a terminal: the log lines; one per clip so the mid-run ETA shows
    monkeypatch.setenv("TALKBENCH_PROGRESS_EVERY", "0")
    run_benchmark("copygen", "fakeds", metrics=["mae"], limit=2, out=tmp_path / "p", device="cpu", progress=True)
    err = capsys.readouterr().err
    assert "copygen on fakeds/test" in err and "2/2" in err
    assert "clips/s" in err and "ETA" in err
