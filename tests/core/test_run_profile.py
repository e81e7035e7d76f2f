"""`talkbench run --profile`: seconds per stage printed at the end and stored in the record;
without the flag the record has no profile and the runner's stage timer is a null context."""

from __future__ import annotations

import json

from click.testing import CliRunner

from talkbench.cli import cli
from talkbench.records.schema_check import record_problems
from talkbench.runner import profile


def _run(tmp_path, *extra):
    return CliRunner().invoke(cli, ["run", "--model", "copygen", "--dataset", "fakeds", "--limit", "3",
                                    "--metrics", "mae,loud", "--out", str(tmp_path), "--device", "cpu",
                                    "-q", *extra], catch_exceptions=False)


def _record(res):
    return json.loads(open(res.stdout.splitlines()[-1].split("record: ")[1]).read())


def test_profile_prints_and_records_every_stage(fake_plugins, tmp_path):
    res = _run(tmp_path, "--profile")
    assert res.exit_code == 0, res.output
    rec = _record(res)
    prof = rec["profile"]
    stages = {"load models", "load", "generate", "write", "decode", "metric:mae", "metric:loud", "write scores"}
    assert set(prof["seconds"]) == stages
    assert all(v >= 0 for v in prof["seconds"].values())
    assert prof["calls"]["generate"] == 3 and prof["calls"]["metric:mae"] == 3
    assert "profile (wall seconds per stage):" in res.stderr
    assert any(line.strip().startswith("record ") for line in res.stderr.splitlines())  # the build too
    assert any(line.strip().startswith("metric:mae ") for line in res.stderr.splitlines())
    assert record_problems(rec) == []  # the schema knows the field
    assert profile.ACTIVE is None  # off again after the command


def test_no_profile_without_the_flag(fake_plugins, tmp_path):
    res = _run(tmp_path)
    assert res.exit_code == 0, res.output
    assert "profile" not in _record(res) and "profile (wall" not in res.stderr
    assert profile.stage("x") is profile.stage("y")  # the shared null context: nothing timed
