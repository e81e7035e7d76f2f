"""Locked runs: processes sharing a run directory never leave a score file beside another video."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).with_name("trust_worker.py")
VOLATILE = ("created_at", "run_id", "duration_s", "invocation", "environment")


def _start(out: Path, model: str, sync: Path | None = None, n: int = 6, metrics: str = "mae") -> subprocess.Popen:
    """One `talkbench run` subprocess; processes given the same ``sync`` folder meet in their
    first generate call, so that they overlap whatever their start-up times."""
    cmd = [sys.executable, str(WORKER), "run", "--model", model, "--dataset", "fakeds", "--metrics", metrics,
           "--dataset-option", f"n={n}", "--device", "cpu", "--out", str(out), "-q"]
    env = dict(os.environ)
    if sync is not None:
        sync.mkdir(exist_ok=True)
        env.update(TRUST_SYNC=str(sync), TRUST_PEERS="2")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _finish(procs):
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (o, e) in zip(procs, outs):
        assert p.returncode == 0, o + e
    return outs


def _run_dir(out: Path) -> Path:
    (d,) = (out / "runs").iterdir()
    return d


def _stable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in VOLATILE}


def test_two_processes_nondeterministic_generator_scores_match_videos(tmp_path):
    out = tmp_path / "R"
    sync = tmp_path / "sync"
    # 12 clips, random pauses in generate and score: on unlocked runs some score file almost
    # always ends up beside the other process's video
    _finish([_start(out, "noisygen", sync, n=12, metrics="mae,jitter"),
             _start(out, "noisygen", sync, n=12, metrics="mae,jitter")])
    run_dir = _run_dir(out)
    scores = sorted((run_dir / "scores").glob("*.json"))
    assert len(scores) == 12
    for f in scores:
        entry = json.loads(f.read_text())
        mp4 = run_dir / entry["video"]["path"]
        assert hashlib.sha256(mp4.read_bytes()).hexdigest() == entry["video"]["sha256"], f.name
        assert "mae" in entry["metrics"] and "jitter" in entry["metrics"]
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["metrics"]["mae"]["n_clips"] == 12 and rec["metrics"]["jitter"]["n_clips"] == 12
    assert rec["failures"] == []
    # no temp file is left behind
    assert not [p for p in run_dir.rglob(".*") if p.is_file()]


def test_two_processes_deterministic_equal_single_process_record(tmp_path):
    _finish([_start(tmp_path / "single", "slowcopy")])
    sync = tmp_path / "sync"
    _finish([_start(tmp_path / "pair", "slowcopy", sync), _start(tmp_path / "pair", "slowcopy", sync)])
    one = json.loads((_run_dir(tmp_path / "single") / "record.json").read_text())
    two = json.loads((_run_dir(tmp_path / "pair") / "record.json").read_text())
    assert _stable(one) == _stable(two)
    a = (_run_dir(tmp_path / "single") / "per_clip.csv").read_text()
    b = (_run_dir(tmp_path / "pair") / "per_clip.csv").read_text()
    assert a == b


def test_killed_runs_temp_files_are_cleaned(fake_plugins, tmp_path):
    from talkbench.runner import run_benchmark

    kw = dict(metrics=["mae"], out=tmp_path, progress=False, dataset_options={"n": 2})
    run_dir = run_benchmark("copygen", "fakeds", **kw)
    # what a run killed mid-write leaves: mkstemp temp files of a video and a score file
    left = [run_dir / "videos" / ".test000.k1ll3d_x.mp4", run_dir / "videos" / ".test000.lossless.k1ll3d_x.mkv",
            run_dir / "scores" / ".test001.json.abcd1234.tmp",
            run_dir / ".record.json.zz99zz99.tmp"]
    keep = run_dir / "videos" / ".test000x.k1ll3d_x.mp4"  # another clip's name: not ours to remove
    for p in left + [keep]:
        p.write_bytes(b"partial")
    (run_dir / "scores" / "test001.json").unlink()  # that clip is redone
    run_benchmark("copygen", "fakeds", **kw)
    assert [p for p in left if p.exists()] == []
    assert keep.exists()
