"""Inputs validated (--limit, --device, score-file names, --out) and records that accumulate."""

from __future__ import annotations

import csv
import json
import os

import pytest
from click.testing import CliRunner

from talkbench.cli import cli

from .trust_helpers import with_folder, write_clip  # noqa: F401  (fixture)


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def _one_error_line(res, *needles):
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("talkbench: error: "), res.output
    for n in needles:
        assert n in lines[0], lines[0]
    assert "Traceback" not in res.output


def _fake(*extra, out):
    return ("run", "--model", "copygen", "--dataset", "fakeds", "--dataset-option", "n=4", "--metrics", "mae",
            "--out", str(out), "-q", *extra)


def test_limit_must_be_positive_and_never_shrinks_a_fuller_record(with_folder, tmp_path):
    assert _run(*_fake(out=tmp_path)).exit_code == 0
    rec_path = next(tmp_path.rglob("record.json"))
    full = json.loads(rec_path.read_text())
    for bad in ("0", "-1"):
        _one_error_line(_run(*_fake("--limit", bad, out=tmp_path)), f"--limit {bad}", ">= 1")
    assert json.loads(rec_path.read_text()) == full
    res = _run(*_fake("--limit", "2", out=tmp_path))
    assert res.exit_code == 0, res.output
    after = json.loads(rec_path.read_text())
    assert after["dataset"]["n_clips"] == 4 and after["metrics"]["mae"]["n_clips"] == 4
    assert after["metrics"]["mae"]["value"] == full["metrics"]["mae"]["value"]


def test_device_names_are_checked(with_folder, tmp_path):
    _one_error_line(_run(*_fake("--device", "gpu", out=tmp_path)), "--device gpu", "--device cuda")
    assert not (tmp_path / "runs").exists()
    _one_error_line(_run(*_fake("--device", "tpu0", out=tmp_path)), "unknown device", "cpu, cuda, cuda:N or mps")


def test_score_file_names_never_collide(with_folder, tmp_path):
    root = tmp_path / "data"
    (root / "a b").mkdir(parents=True)
    write_clip(root / "a b" / "c.mp4", 0)
    write_clip(root / "a b__c.mp4", 3)
    res = _run("run", "--model", "copygen", "--dataset", "folder", "--data-root", str(root), "--metrics", "mae",
               "--out", str(tmp_path / "out"), "-q")
    assert res.exit_code == 0, res.output
    run_dir = next((tmp_path / "out" / "runs").iterdir())
    entries = {json.loads(p.read_text())["clip_id"]: json.loads(p.read_text())
               for p in (run_dir / "scores").glob("*.json")}
    assert sorted(entries) == ["a b/c", "a b__c"]
    assert entries["a b/c"]["video"]["sha256"] != entries["a b__c"]["video"]["sha256"]
    rec = json.loads((run_dir / "record.json").read_text())
    assert rec["metrics"]["mae"]["n_clips"] == 2


def test_unwritable_out_is_one_line(with_folder, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    _one_error_line(_run(*_fake(out=blocker / "results")), "--out", "writable")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_out_is_one_line(with_folder, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        _one_error_line(_run(*_fake(out=ro)), "--out", "writable")
    finally:
        ro.chmod(0o755)


def test_record_accumulates_metrics_of_earlier_invocations(with_folder, tmp_path):
    base = ("run", "--model", "copygen", "--dataset", "fakeds", "--dataset-option", "n=3", "--out", str(tmp_path), "-q")
    assert _run(*base, "--metrics", "mae").exit_code == 0
    assert _run(*base, "--metrics", "loud").exit_code == 0
    run_dir = next((tmp_path / "runs").iterdir())
    rec = json.loads((run_dir / "record.json").read_text())
    assert set(rec["metrics"]) == {"mae", "loud"}
    assert rec["metrics"]["mae"]["n_clips"] == 3 and rec["metrics"]["loud"]["n_clips"] == 3
    rows = list(csv.DictReader((run_dir / "per_clip.csv").open()))
    assert len(rows) == 3 and all(r["mae"] and r["loud"] for r in rows)
    # another option of loud is another number: the record shows the current one only
    assert _run(*base, "--metrics", "loud", "--metric-option", "loud.scale=2").exit_code == 0
    rec2 = json.loads((run_dir / "record.json").read_text())
    assert set(rec2["metrics"]) == {"mae", "loud"}
    assert rec2["metrics"]["loud"]["value"] == pytest.approx(2 * rec["metrics"]["loud"]["value"])
    assert rec2["metrics"]["mae"] == rec["metrics"]["mae"]
