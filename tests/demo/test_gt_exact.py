"""GT scored as itself: SSIM 1.000 and PSNR undefined (the paper's N/A), faces named."""

from __future__ import annotations

import json

from click.testing import CliRunner

from talkbench.cli import cli
from talkbench.records import record_problems, score_file_problems


def test_gt_on_demo_prints_ssim_one_and_psnr_na(demo_build, tmp_path):
    res = CliRunner().invoke(cli, ["run", "--model", "gt", "--dataset", "demo", "--metrics", "psnr,ssim",
                                   "--limit", "2", "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0, res.output
    lines = {ln.split()[0]: ln for ln in res.output.splitlines() if ln.startswith("  ")}
    assert lines["ssim"].split()[2] == "1.0000", res.output
    assert lines["psnr"].split()[2] == "N/A" and "PSNR undefined" in lines["psnr"], res.output
    rec = json.loads(next(tmp_path.rglob("record.json")).read_text())
    assert rec["metrics"]["ssim"]["value"] == 1.0 and rec["metrics"]["psnr"]["value"] is None
    assert rec["io"]["scored_from"] == "lossless"
    # the demo clips carry exact landmarks: the record says the boxes came from them
    faces = rec["metrics"]["ssim"]["faces"]["backends"]
    assert [(f["backend"], f["version"], f["n_clips"]) for f in faces] == [("given", "given-1", 2)]
    assert "table_label" not in rec["metrics"]["psnr"]["protocol"]
    # the real metrics' records and score files follow the schema (talkbench/records/schema.py)
    assert record_problems(rec) == []
    scores = list(tmp_path.rglob("scores/*.json"))
    assert len(scores) == 2 and all(score_file_problems(json.loads(p.read_text())) == [] for p in scores)


def test_gt_scored_from_the_encoded_mp4_is_labelled_and_lossy(demo_build, tmp_path):
    res = CliRunner().invoke(cli, ["run", "--model", "gt", "--dataset", "demo", "--metrics", "ssim",
                                   "--limit", "1", "--score-from", "encoded", "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0, res.output
    rec = json.loads(next(tmp_path.rglob("record.json")).read_text())
    assert rec["io"]["scored_from"] == "encoded"
    assert 0.9 < rec["metrics"]["ssim"]["value"] < 1.0  # talkbench's own H.264 encode, scored
