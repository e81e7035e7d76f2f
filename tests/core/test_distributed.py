"""Sharded evaluation: torchrun ranks and --shard array jobs merge to the single-process record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from talkbench.distributed import Shard, parse_shard
from talkbench.errors import TalkbenchError
from talkbench.runner import merge_run, run_benchmark

WORKER = Path(__file__).with_name("dist_worker.py")
REPO = Path(__file__).resolve().parents[2]


def _comparable(rec: dict) -> dict:
    """What must not depend on how the run was split: values, n, clip set, failures."""
    return {
        "metrics": {k: {f: v.get(f) for f in ("value", "n", "n_clips", "status", "clip_mean", "frame_weighted_mean")}
                    for k, v in rec["metrics"].items()},
        "dataset": {k: rec["dataset"][k] for k in ("name", "split", "n_clips", "clip_ids_sha256")},
        "failures": rec["failures"], "model": rec["model"]["name"],
    }


def _record(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "record.json").read_text())


def _torchrun(out: Path, model: str, dataset: str, metrics: str, limit: int, fake: bool) -> list[str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(WORKER), str(out), model, dataset, metrics, str(limit)] + (["fake"] if fake else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("RUN_DIR")]


def test_shard_assignment_is_deterministic_round_robin():
    ids = [f"c{i}" for i in range(7)]
    parts = [Shard(i, 3).select(ids) for i in range(3)]
    assert parts == [["c0", "c3", "c6"], ["c1", "c4"], ["c2", "c5"]]
    assert sorted(sum(parts, [])) == ids
    assert parse_shard("1/4") == Shard(1, 4, "manual")
    for bad in ("4/4", "x/2", "1-2", "-1/2"):
        with pytest.raises(TalkbenchError, match="--shard"):
            parse_shard(bad)


def test_torchrun_two_ranks_equal_single_process_fake(fake_plugins, tmp_path):
    single = run_benchmark("copygen", "fakeds", metrics=["mae", "loud"], limit=5, out=tmp_path / "one",
                           device="cpu", progress=False)
    dirs = _torchrun(tmp_path / "two", "copygen", "fakeds", "mae,loud", 5, fake=True)
    assert len(dirs) == 2 and dirs[0] == dirs[1]  # both ranks used the same run directory
    merged = _record(dirs[0])
    assert merged["shard"]["merged_from"] == ["0-of-2", "1-of-2"] and merged["shard"]["count"] == 2
    a, b = _comparable(_record(single)), _comparable(merged)
    assert a == b
    assert Path(dirs[0]).name == single.name  # same key: sharding is not part of the run's identity
    scored = {p.stem for p in (Path(dirs[0]) / "scores").glob("*.json")}
    assert scored == {f"test{i:03d}" for i in range(5)}


def test_shard_jobs_then_merge_equal_single_process(fake_plugins, tmp_path):
    single = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=5, out=tmp_path / "one",
                           device="cpu", progress=False)
    kw = dict(metrics=["mae"], limit=5, out=tmp_path / "arr", device="cpu", progress=False)
    fake_plugins.CALLS.clear()
    d0 = run_benchmark("copygen", "fakeds", shard="0/2", **kw)
    assert not (d0 / "record.json").exists()  # shard 1 has not run: no partial record
    assert sorted(fake_plugins.CALLS) == ["test000", "test002", "test004"]
    with pytest.raises(TalkbenchError, match="2 of 5 clips have no scores yet"):
        merge_run(d0)
    d1 = run_benchmark("copygen", "fakeds", shard=(1, 2), **kw)
    assert d1 == d0 and (d0 / "record.json").exists()  # the last shard merged
    a, b = _comparable(_record(single)), _comparable(_record(d0))
    assert a == b
    (d0 / "record.json").unlink()
    merge_run(d0)  # talkbench merge rebuilds the same record
    b2 = _comparable(_record(d0))
    assert b2 == a


@pytest.mark.slow
def test_torchrun_two_ranks_equal_single_process_demo(tmp_path):
    """The issue's check on the real demo dataset with gt and static (needs the builtins plugin)."""
    for model in ("gt", "static"):
        dirs1 = subprocess.run(
            [sys.executable, str(WORKER), str(tmp_path / "one"), model, "demo", "psnr,ssim", "4"],
            env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=600)
        assert dirs1.returncode == 0, dirs1.stderr[-3000:]
        single = dirs1.stdout.split()[1]
        dirs = _torchrun(tmp_path / "two", model, "demo", "psnr,ssim", 4, fake=False)
        a, b = _comparable(_record(single)), _comparable(_record(dirs[0]))
        assert a == b and a["dataset"]["n_clips"] == 4


def test_env_shard_from_launcher_variables(monkeypatch):
    from talkbench.distributed import SINGLE, env_shard, resolve_shard

    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(k, raising=False)
    assert env_shard() == SINGLE and not SINGLE.is_sharded
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    s = env_shard()
    assert (s.index, s.count, s.source, s.local_rank, s.is_main) == (3, 4, "torchrun", 1, False)
    with pytest.raises(TalkbenchError, match="--shard cannot be combined with torchrun/accelerate ranks"):
        resolve_shard("0/2")


def test_select_runs_latest_per_model(fake_plugins, tmp_path):
    from talkbench.records import load_records
    from talkbench.reports import select_runs

    def pick(out, *, model=None, latest=False, **kw):
        return select_runs(load_records(out), models=[model] if model else None, latest=latest, **kw)

    out = tmp_path / "res"
    a = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=1, out=out, progress=False, device="cpu")
    b = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=1, out=out, progress=False, device="cpu",
                      options={"gain": 3})
    (b / "record.json").write_text((b / "record.json").read_text().replace(
        '"created_at": "', '"created_at": "9'))  # make b unmistakably newer
    latest = pick(out, model="copygen", latest=True)
    assert [r["run_dir"] for r in latest] == [b.name]
    assert {r["run_dir"] for r in pick(out, model="copygen")} == {a.name, b.name}
    assert pick(out, metric="loud") == [] and pick(out, datasets=["other"]) == []
