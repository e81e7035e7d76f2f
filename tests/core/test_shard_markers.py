"""record.shard.merged_from lists the markers of the split that built the record, not those an
earlier invocation with another worker/shard count left in the run directory."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from talkbench.cli import cli
from talkbench.runner import merge_run, run_benchmark
from talkbench.runner.markers import latest_count, markers_of


def _record(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "record.json").read_text())


def _shards(n: int, **kw) -> Path:
    for i in range(n):
        run_dir = run_benchmark("copygen", "fakeds", shard=f"{i}/{n}", **kw)
    return run_dir


def test_a_new_split_lists_only_its_own_markers_and_merge_takes_the_latest(fake_plugins, tmp_path):
    kw = dict(metrics=["mae"], limit=5, out=tmp_path, device="cpu", progress=False)
    run_dir = _shards(4, **kw)
    assert _record(run_dir)["shard"]["merged_from"] == ["0-of-4", "1-of-4", "2-of-4", "3-of-4"]
    assert _shards(2, **kw) == run_dir
    rec = _record(run_dir)
    assert rec["shard"]["merged_from"] == ["0-of-2", "1-of-2"] and rec["shard"]["count"] == 2
    assert (run_dir / "shards" / "3-of-4.json").is_file()  # kept, but not this record's
    run_benchmark("copygen", "fakeds", **kw)  # one process
    assert _record(run_dir)["shard"]["merged_from"] == ["0-of-1"]
    # merge has no count of its own: the split finished last
    assert latest_count(run_dir) == 1
    merge_run(run_dir)
    rec = _record(run_dir)
    assert rec["shard"]["merged_from"] == ["0-of-1"] and rec["shard"]["count"] == 1
    assert rec["merged_by"] == "talkbench merge"
    # resume as array jobs of 2 after that, then merge by hand: the 2-split again
    _shards(2, **kw)
    (run_dir / "record.json").unlink()
    res = CliRunner().invoke(cli, ["merge", str(run_dir)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert _record(run_dir)["shard"]["merged_from"] == ["0-of-2", "1-of-2"]
    assert _record(run_dir)["metrics"]["mae"]["n_clips"] == 5


def test_merge_ignores_an_older_splits_marker_that_saw_a_metric_unavailable(fake_plugins, tmp_path):
    kw = dict(metrics=["mae"], limit=4, out=tmp_path, device="cpu", progress=False)
    run_dir = _shards(2, **kw)
    stale = run_dir / "shards" / "0-of-3.json"  # an earlier invocation's, on a machine without weights
    stale.write_text(json.dumps({"clips": [], "metrics": {"mae": {"status": "unavailable", "reason": "stale"}},
                                 "finished_at": time.time() - 3600}))
    merge_run(run_dir)
    rec = _record(run_dir)
    assert rec["metrics"]["mae"]["status"] == "ok" and rec["metrics"]["mae"]["n_clips"] == 4
    assert rec["shard"]["merged_from"] == ["0-of-2", "1-of-2"]


def test_markers_sort_by_index_and_odd_names_are_ignored(tmp_path):
    shards = tmp_path / "shards"
    shards.mkdir()
    for name in ("10-of-12", "2-of-12", "0-of-12", "1-of-3", "notes"):
        (shards / f"{name}.json").write_text(json.dumps({"finished_at": 5.0 if name == "1-of-3" else 1.0}))
    assert [p.stem for p in markers_of(tmp_path, 12)] == ["0-of-12", "2-of-12", "10-of-12"]
    assert latest_count(tmp_path) == 3
    assert latest_count(tmp_path / "none") is None


def test_workers_run_after_one_with_more_workers_lists_its_own(tmp_path):
    kw = dict(metrics=["psnr"], limit=3, out=tmp_path, device="cpu", progress=False)
    run_dir = run_benchmark("static", "demo", workers=3, **kw)
    assert _record(run_dir)["shard"]["merged_from"] == ["0-of-3", "1-of-3", "2-of-3"]
    assert run_benchmark("static", "demo", workers=2, **kw) == run_dir
    rec = _record(run_dir)
    assert rec["shard"]["merged_from"] == ["0-of-2", "1-of-2"] and rec["shard"]["source"] == "workers"
    assert rec["invocation"]["workers"] == 2 and rec["coverage"]["complete"]
