"""The table/sweep/figure/report commands through the real CLI (plugins' register_commands)."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest
from click.testing import CliRunner

import talkbench
from talkbench.builtins.commands import parse_grid
from talkbench.cli import cli, register_plugin_commands
from talkbench.plugins import pm

from reports_fakes import write_records

TINY_DEMO = ["--dataset-option", "size=64", "--dataset-option", "n_speakers=1",
             "--dataset-option", "clips_per_speaker=4", "--dataset-option", "seconds=1"]


@pytest.fixture(scope="module")
def invoke():
    register_plugin_commands()
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)
    return run


class Shift(talkbench.Generator):
    """Test generator: the source rolled sideways by ``amount`` pixels (PSNR falls as it grows)."""

    name = "shift"
    options = (talkbench.Option("amount", int, 0, "pixels"), talkbench.Option("mode", str, "roll"))

    def generate(self, source, audio, *, seed=None):
        return source.replace(frames=np.roll(source.frames, self.options["amount"], axis=2))


@pytest.fixture
def shift_plugin():
    plugin = types.SimpleNamespace(register_generators=talkbench.hookimpl(lambda register: register(Shift)))
    pm.register(plugin, name="_test_shift")
    yield
    pm.unregister(name="_test_shift")


@pytest.mark.parametrize("command", ["table", "sweep", "figure", "report"])
def test_help_has_examples(invoke, command):
    res = invoke(command, "--help")
    assert res.exit_code == 0 and "Examples:" in res.output and f"talkbench {command}" in res.output


def test_table_command_formats(invoke, tmp_path, table1_records):
    write_records(tmp_path, table1_records)
    res = invoke("table", "--results", str(tmp_path))
    assert res.exit_code == 0 and r"\begin{tabular}" in res.output and r"\textbf{32.40}" in res.output
    data = json.loads(invoke("table", "--results", str(tmp_path), "--json", "--paper").stdout)  # footnote reasons go to stderr
    assert data["layout"] == "table1" and any(r["published"] for r in data["rows"])
    md = invoke("table", "--results", str(tmp_path), "--format", "markdown", "--models", "wav2lip,gt",
                "--datasets", "lrs2", "--metrics", "psnr,lpips").output
    assert "| Method | LRS2 PSNR ↑ | LRS2 LPIPS ↓ |" in md and "SyncDiff" not in md and "| GT | 45.00 |" in md


def test_table_command_errors_are_one_line(invoke, tmp_path):
    res = CliRunner().invoke(cli, ["table", "--results", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        f"talkbench: error: {tmp_path / 'none'}: no such results directory; pass --results DIR "
        "(where `talkbench run --out` wrote)"]
    (tmp_path / "empty").mkdir()
    res = CliRunner().invoke(cli, ["table", "--results", str(tmp_path / "empty")])
    assert res.exit_code == 2 and "no runs to tabulate" in res.output


def test_parse_grid():
    assert parse_grid(["reference=rnd,prv", "num_prev=1,5"]) == [
        {"reference": "rnd", "num_prev": "1"}, {"reference": "rnd", "num_prev": "5"},
        {"reference": "prv", "num_prev": "1"}, {"reference": "prv", "num_prev": "5"}]
    with pytest.raises(talkbench.OptionError, match="must look like OPTION=V1,V2"):
        parse_grid(["reference"])


def test_sweep_then_ablation_table_then_report(invoke, tmp_path, monkeypatch, shift_plugin):
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path / "home"))
    out = tmp_path / "results"
    args = ["sweep", "--model", "shift", "--dataset", "demo", *TINY_DEMO, "--limit", "1", "--metrics", "psnr",
            "--grid", "amount=1,3", "--option", "mode=roll", "--out", str(out), "-q", "--device", "cpu"]
    res = invoke(*args)
    assert res.exit_code == 0, res.output
    assert "sweep 1/2: shift amount=1" in res.output and "sweep 2/2: shift amount=3" in res.output
    recs = talkbench.reports.load_records(out)
    assert sorted(r["model"]["options"]["amount"] for r in recs) == [1, 3]
    assert "| amount | PSNR ↑ |" in res.output
    again = invoke(*args)  # resumes: same two run directories, nothing new
    assert again.exit_code == 0 and len(talkbench.reports.load_records(out)) == 2
    t = talkbench.reports.build_table(talkbench.reports.load_records(out), layout="ablation", by="amount")
    assert [r.label for r in t.rows] == ["1", "3"]
    psnr = [r.cells[0].value for r in t.rows]
    assert psnr[0] > psnr[1] and t.rows[0].cells[0].mark == "best"
    tex = invoke("table", "--results", str(out), "--by", "amount").output
    assert "amount & PSNR$\\uparrow$" in tex
    # the report: tables, the records behind them, a figure with GT + the two runs' row
    rep = tmp_path / "report"
    res = invoke("report", "--results", str(out), "--out", str(rep), "--frames", "2,12")
    assert res.exit_code == 0, res.output
    for name in ("table1.tex", "table1.md", "table1.csv", "table1.json", "ablation-amount.tex",
                 "ablation-amount.standalone.tex"):
        assert (rep / "tables" / name).is_file(), name
    prov = json.loads((rep / "provenance.json").read_text())
    cells = [c for c in prov["ablation-amount"] if c["metric"] == "psnr"]
    assert len(cells) == 2
    for c in cells:
        rec = json.loads((rep / c["record"]).read_text())  # a copy inside the report
        assert f"{rec['metrics']['psnr']['value']:.2f}" == c["text"]
    assert (rep / "figures" / "strip.png").is_file()
    assert "figures/strip.png" in (rep / "README.md").read_text()
    fig = tmp_path / "fig.png"
    res = invoke("figure", "--results", str(out), "--clips", "spk00_000", "--frames", "1,5", "--out", str(fig))
    assert res.exit_code == 0 and fig.is_file() and "wrote" in res.output


def test_sweep_passes_workers_to_every_run(invoke, tmp_path, monkeypatch):
    import talkbench.runner as runner

    calls = []

    def fake_run(model, dataset, **kw):
        calls.append(kw["workers"])
        raise talkbench.TalkbenchError(f"stop after recording {kw['options']}")

    monkeypatch.setattr(runner, "run_benchmark", fake_run)
    res = invoke("sweep", "--model", "static", "--dataset", "demo", "--grid", "a=1,2", "--workers", "2",
                 "--out", str(tmp_path), "-q")
    assert calls == ["2", "2"]
    assert res.exit_code == 2 and "2 of 2 sweep runs failed" in res.output
    assert "--workers" in invoke("sweep", "--help").output
