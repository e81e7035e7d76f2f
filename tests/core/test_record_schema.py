"""The record schema is code (talkbench/records/schema.py): every record.json and score file the
runner writes validates against it, unknown and missing keys are errors, and the README's record
section is the one generated from it."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from talkbench.records.schema_check import BEGIN, END, markdown, record_problems, score_file_problems
from talkbench.runner import evaluate_videos, merge_run, run_benchmark

ROOT = Path(__file__).resolve().parents[2]


def _all_valid(run_dir: Path) -> dict:
    record = json.loads((run_dir / "record.json").read_text())
    assert record_problems(record) == []
    files = sorted((run_dir / "scores").glob("*.json"))
    assert files
    for f in files:
        assert score_file_problems(json.loads(f.read_text())) == [], f.name
    return record


@pytest.fixture
def written(fake_plugins, tmp_path):
    """Records of a run with a generator crash, a metric failure, an unavailable metric and a
    transcript metric, of its merge, of a sharded run and of an evaluate run."""
    fake_plugins.BEHAVIOUR.update({"test001": "crash", "test002": "metricfail"})
    kw = dict(out=tmp_path / "res", device="cpu", progress=False)
    run = run_benchmark("copygen", "fakeds", metrics=["mae", "loud", "words", "noweights", "flaky"], limit=4,
                        score_from="encoded", **kw)
    out = {"run": _all_valid(run)}
    (run / "record.json").unlink()
    out["merge"] = _all_valid(merge_run(run))
    for i in (0, 1):
        sharded = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=3, shard=(i, 2), seed=1, **kw)
    out["shards"] = _all_valid(sharded)
    videos = tmp_path / "videos"
    videos.mkdir()
    for cid in ("test000", "test003"):
        shutil.copy(run / "videos" / f"{cid}.mp4", videos / f"{cid}.mp4")
    ev, _ = evaluate_videos(videos, "fakeds", limit=4, metrics=["mae"], **kw)
    out["evaluate"] = _all_valid(ev)
    return out


def test_every_record_the_runner_writes_validates(written):
    run, merged, shards, ev = written["run"], written["merge"], written["shards"], written["evaluate"]
    assert run["metrics"]["noweights"]["status"] == "unavailable" and run["invocation"]["generated_now"] == 3
    assert {f["stage"] for f in run["failures"]} == {"generate", "metric:flaky"}
    assert merged["merged_by"] == "talkbench merge" and "invocation" not in merged
    assert shards["shard"]["merged_from"] == ["0-of-2", "1-of-2"]
    assert ev["evaluate"]["clips_without_video"] == ["test001", "test002"] and ev["model"]["version"] == "external"
    assert run["generator_weights"] == merged["generator_weights"] == {} and ev["generator_weights"] == {}


def test_unknown_and_missing_keys_fail(written):
    rec = written["run"]
    assert record_problems(dict(rec, extra_field=1)) == ["record: unknown key 'extra_field'"]
    assert record_problems({k: v for k, v in rec.items() if k != "coverage"}) == ["record: missing key 'coverage'"]
    bad = copy.deepcopy(rec)
    bad["model"]["weights"] = bad["model"].pop("weights_overrides")  # the docstring's old, drifted name
    assert record_problems(bad) == ["record.model: missing key 'weights_overrides'", "record.model: unknown key 'weights'"]
    bad = copy.deepcopy(rec)
    del bad["metrics"]["mae"]["n_clips"]
    bad["dataset"]["n_clips"] = "4"
    assert record_problems(bad) == ["record.dataset.n_clips: expected int, got str '4'",
                                    "record.metrics.mae: missing key 'n_clips'"]
    # a metric's own aggregate extras are allowed (clip_mean of a pooled metric)
    assert "clip_mean" in rec["metrics"]["mae"]
    bad = copy.deepcopy(rec)
    bad["metrics"]["mae"]["status"] = "fine"
    assert record_problems(bad) == ["record.metrics.mae.status: 'fine' is not one of 'ok', 'unavailable'"]


def test_score_files_reject_unknown_keys(written, tmp_path):
    entry = json.loads(next((tmp_path / "res").rglob("scores/test000.json")).read_text())
    assert score_file_problems(entry) == []
    assert score_file_problems(dict(entry, stray=1)) == ["scores: unknown key 'stray'"]
    entry["video"]["sha"] = entry["video"].pop("sha256")
    assert score_file_problems(entry) == ["scores.video: missing key 'sha256'", "scores.video: unknown key 'sha'"]


def test_readme_record_section_is_generated_from_the_schema():
    text = (ROOT / "README.md").read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "README.md lost its record-schema markers"
    section = text[text.index(BEGIN): text.index(END) + len(END)]
    assert section == markdown(), "README's record section is stale: paste `python -m talkbench.records.schema_check`"
