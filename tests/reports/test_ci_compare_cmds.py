"""`talkbench table --ci` and `talkbench compare` on synthetic complete runs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from synth_runs import write_run
from talkbench.cli import cli, register_plugin_commands
from talkbench.reports import load_records, render_table
from talkbench.stats import run_cis


@pytest.fixture
def results(tmp_path):
    write_run(tmp_path, "gt", offset=1.0)
    write_run(tmp_path, "static", offset=-1.0, seed=1)
    write_run(tmp_path, "wav2lip", offset=0.0, seed=2)
    write_run(tmp_path, "syncdiff", offset=0.02, seed=3)  # a tiny difference: not significant
    return tmp_path


def _cli(*args):
    register_plugin_commands()
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_table_ci_markdown_shows_half_widths_and_json_keeps_bounds(results):
    recs = load_records(results)
    md = render_table(recs, "markdown", metrics=["psnr", "ssim"], ci="pm")
    static = next(r for r in recs if r["model"]["name"] == "static")
    ci = run_cis(static)["psnr"]
    assert f"{static['metrics']['psnr']['value']:.2f} ± {(ci['high'] - ci['low']) / 2:.2f}" in md
    assert "95% percentile-bootstrap interval over clips (1000 resamples, seed 0" in md
    table = json.loads(render_table(recs, "json", metrics=["psnr"], ci="interval"))
    cells = [r["cells"][0] for r in table["rows"]]
    assert all(c["ci"]["status"] == "ok" and c["ci"]["low"] < c["value"] < c["ci"]["high"] for c in cells)
    assert all(f"[{c['ci']['low']:.2f}, {c['ci']['high']:.2f}]" in c["text"] for c in cells)


def test_table_ci_latex_escapes_plus_minus_and_cli_flag(results):
    out = _cli("table", "--results", str(results), "--ci", "--metrics", "psnr", "--format", "latex")
    assert r"$\pm$" in out and "±" not in out
    paper = _cli("table", "--results", str(results), "--ci", "--paper", "--format", "markdown")
    assert "Published rows have no per-clip scores, so no interval." in paper


def test_compare_known_difference_and_identical(results):
    out = _cli("compare", "wav2lip", "static", "--results", str(results), "--metrics", "psnr,ssim")
    assert "A: wav2lip-demo-test" in out and "B: static-demo-test" in out
    psnr = next(line for line in out.splitlines() if line.startswith("psnr"))
    assert psnr.rstrip().endswith("A") and "0.0010" in psnr  # p = 1/1001: every permutation is smaller
    data = json.loads(_cli("compare", "wav2lip", "wav2lip", "--results", str(results), "--json"))
    assert {t["metric"]: t["p_value"] for t in data["tests"]} == {"psnr": 1.0, "ssim": 1.0}
    close = json.loads(_cli("compare", "syncdiff", "wav2lip", "--results", str(results), "--json"))
    assert all(t["better"] is None and t["p_value"] > 0.05 for t in close["tests"])


def test_compare_bad_run_is_one_line_error(results):
    register_plugin_commands()
    res = CliRunner().invoke(cli, ["compare", "nosuch", "static", "--results", str(results)])
    assert res.exit_code == 2
    assert "nosuch: no run directory, run name or model/label" in res.output
