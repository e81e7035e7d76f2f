"""FID through the runner: no per-clip number is invented (value None, n frames), the record's
FID is the corpus distance over every clip's cached features, and per_clip.csv leaves it blank."""

from __future__ import annotations

import csv

import pytest

from talkbench import get_metric, read_json
from talkbench.runner import run_benchmark
from talkbench.weights import clear_weight_overrides, set_weight_override

from fid_helpers import write_random_fid_weights


@pytest.fixture()
def fid_weights(tmp_path):
    set_weight_override("fid-inception", str(write_random_fid_weights(tmp_path)))
    yield
    clear_weight_overrides()


def test_fid_run_has_no_per_clip_value_and_a_corpus_record_value(tmp_path, fid_weights):
    opts = {"fid": {"crop": "full", "frame_stride": 25}}
    run_dir = run_benchmark("static", "demo", limit=2, metrics=["fid"], metric_options=opts,
                            out=tmp_path / "out", progress=False, device="cpu")
    rec = read_json(run_dir / "record.json")
    entries = [read_json(p) for p in sorted((run_dir / "scores").glob("*.json"))]
    per_clip = [e["metrics"]["fid"] for e in entries]
    assert len(per_clip) == 2 and all(r["value"] is None and r["n"] == 3 for r in per_clip)
    fid = get_metric("fid")(**opts["fid"])
    want = fid.aggregate(per_clip)["value"]
    assert rec["metrics"]["fid"]["status"] == "ok" and want > 0
    assert rec["metrics"]["fid"]["value"] == pytest.approx(want, rel=1e-12)
    from talkbench.records.schema_check import record_problems, score_file_problems

    assert record_problems(rec) == [] and all(score_file_problems(e) == [] for e in entries)
    with open(run_dir / "per_clip.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["fid"] for r in rows] == ["", ""]
