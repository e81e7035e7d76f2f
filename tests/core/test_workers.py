"""--workers N: clip-level processes give the single-process record, and a dead worker is an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from talkbench.distributed import Shard
from talkbench.errors import TalkbenchError
from talkbench.runner import run_benchmark
from talkbench.runner.workers import check_workers


def _record(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "record.json").read_text())


def _scores(run_dir: Path) -> dict:
    out = {}
    for f in sorted((Path(run_dir) / "scores").glob("*.json")):
        entry = json.loads(f.read_text())
        out[entry["clip_id"]] = {m: r.get("value") for m, r in entry["metrics"].items()}
    return out


def test_two_workers_give_the_single_process_record(tmp_path):
    kw = dict(metrics=["psnr", "ssim"], limit=4, device="cpu", progress=False)
    one = run_benchmark("static", "demo", out=tmp_path / "one", **kw)
    two = run_benchmark("static", "demo", out=tmp_path / "two", workers=2, **kw)
    a, b = _record(one), _record(two)
    assert one.name == two.name  # the worker count is not part of the run key
    for m in ("psnr", "ssim"):
        assert b["metrics"][m]["value"] == a["metrics"][m]["value"]
        assert b["metrics"][m]["n"] == a["metrics"][m]["n"]
    assert _scores(two) == _scores(one) and len(_scores(two)) == 4
    assert b["invocation"] == {"generated_now": 4, "scored_now": 4, "workers": 2}
    assert b["shard"]["source"] == "workers" and b["shard"]["merged_from"] == ["0-of-2", "1-of-2"]
    # the workers took the clips from one queue: each clip exactly once, counts add up
    markers = [json.loads((two / "shards" / f"{i}-of-2.json").read_text()) for i in range(2)]
    taken = [c for m in markers for c in m["clips"]]
    assert sorted(taken) == sorted(_scores(two)) and len(set(taken)) == 4
    assert sum(m["scored"] for m in markers) == 4 and all(m["scored"] == len(m["clips"]) for m in markers)
    # a re-run with workers finds everything done
    again = run_benchmark("static", "demo", out=tmp_path / "two", workers=2, **kw)
    assert _record(again)["invocation"] == {"generated_now": 0, "scored_now": 0, "workers": 2}


def test_workers_option_is_checked():
    assert check_workers(3, None) == 3
    assert check_workers("auto", None) >= 1 and check_workers("auto", Shard(0, 2, "manual")) == 1
    with pytest.raises(TalkbenchError, match=r"--workers 0: must be >= 1"):
        check_workers(0, None)
    with pytest.raises(TalkbenchError, match=r"--workers .x.: must be a whole number >= 1, or auto"):
        check_workers("x", None)
    with pytest.raises(TalkbenchError, match="cannot be combined with --shard"):
        check_workers(2, Shard(0, 2, "manual"))


def test_a_failed_worker_is_an_error_and_its_clips_resume(fake_plugins, tmp_path):
    # the fake plugins exist only in this process: the spawned worker cannot build the plan
    kw = dict(metrics=["mae"], limit=4, out=tmp_path, device="cpu", progress=False)
    with pytest.raises(TalkbenchError, match=r"clip workers failed: talkbench-worker-1 \(exit 1\).*re-run"):
        run_benchmark("copygen", "fakeds", workers=2, **kw)
    run_dir = next((tmp_path / "runs").iterdir())
    assert not (run_dir / "record.json").exists()  # no record: the run ended in an error
    # the dead worker took nothing, so worker 0 took the whole queue; its clips are kept
    assert len(_scores(run_dir)) == 4
    rec = _record(run_benchmark("copygen", "fakeds", **kw))
    assert rec["invocation"]["scored_now"] == 0 and rec["metrics"]["mae"]["n_clips"] == 4


def test_the_queue_gives_the_costliest_clips_first_and_each_clip_once(tmp_path):
    import multiprocessing as mp

    from talkbench.io.video import write_video
    from talkbench.runner.workers import ClipQueue, by_cost, clip_cost

    import numpy as np

    write_video(tmp_path / "long.mp4", np.zeros((20, 32, 32, 3), np.uint8), fps=25)
    write_video(tmp_path / "big.mp4", np.zeros((10, 96, 96, 3), np.uint8), fps=25)
    write_video(tmp_path / "short.mp4", np.zeros((5, 32, 32, 3), np.uint8), fps=25)
    (tmp_path / "junk.mp4").write_bytes(b"x" * 15)  # no header: its size
    assert clip_cost(tmp_path / "long.mp4") == pytest.approx(20 * (1 + 32 * 32 / 1e6))
    assert clip_cost(tmp_path / "junk.mp4") == 15.0 and clip_cost(None) == 0.0
    path = {c: tmp_path / f"{c}.mp4" for c in ("long", "big", "short", "junk")}
    order = by_cost(["short", "big", "none", "junk", "long"], path.get)
    assert order == ["long", "junk", "big", "short", "none"]
    sizes = {c: path[c].stat().st_size for c in ("long", "big", "short")}
    assert by_cost(["short", "big", "long"], path.get) == ["long", "big", "short"]
    assert clip_cost(path["big"], probe_header=False) == sizes["big"]
    q = mp.get_context("spawn").Queue()
    for cid in order + [None, None]:
        q.put(cid)
    one, two = ClipQueue(q), ClipQueue(q)
    assert one.take(2) == ["long", "junk"] and two.take(1) == ["big"]
    assert one.take(5) == ["short", "none"] and one.take(1) == [] and one.done
    assert two.take(3) == [] and two.done  # the second end mark
