"""`talkbench demo` ends by writing the HTML report and printing its path (cheap metrics here)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from talkbench.cli import cli, register_plugin_commands


def test_demo_writes_the_html_report_last(demo_build, tmp_path, monkeypatch):
    import talkbench.cli.run_cmds as run_cmds

    monkeypatch.setattr(run_cmds, "DEMO_METRICS", ["psnr", "ssim"])  # the LSE nets are tested elsewhere
    register_plugin_commands()
    res = CliRunner().invoke(cli, ["demo", "--limit", "2", "--out", str(tmp_path / "results"), "-q",
                                   "--format", "markdown"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    index = (tmp_path / "results" / "report" / "index.html").resolve()
    assert res.output.rstrip().splitlines()[-1] == (
        f"HTML report (leaderboard, per-clip table, side-by-side videos): {index}")
    stats = json.loads((index.parent / "stats.json").read_text())
    assert sorted(r["model"] for r in stats["runs"].values()) == ["gt", "static"]
    assert all(r["metrics"]["ssim"]["status"] == "ok" for r in stats["runs"].values())
    # gt is scored as itself: PSNR undefined (N/A), so only static's PSNR has an interval
    assert [r["metrics"]["psnr"]["status"] == "ok" for r in sorted(stats["runs"].values(), key=lambda r: r["model"])] \
        == [False, True]
    assert len(list((index.parent / "strips" / "demo").glob("*.png"))) == 2


def test_demo_exits_3_when_a_clip_failed_after_writing_everything(demo_build, tmp_path, monkeypatch):
    """A failing clip is in the exit status (3), the records and the table; the report is still
    written; --allow-failures exits 0."""
    import talkbench.cli.run_cmds as run_cmds
    from talkbench import ClipFailure, Metric, hookimpl, plugins

    class FailsFirst(Metric):
        name = "failsfirst"

        def compute(self, generated, reference):
            if generated.id == first:
                raise ClipFailure("no face found")
            return {"value": 1.0, "n": 1}

    class _Plugin:
        @hookimpl
        def register_metrics(self, register):
            register(FailsFirst)

    import talkbench

    first = talkbench.get_dataset("demo")().clip_ids("test")[0]
    monkeypatch.setattr(run_cmds, "DEMO_METRICS", ["ssim", "failsfirst"])
    register_plugin_commands()
    plugin = _Plugin()
    plugins.pm.register(plugin, name="_failsfirst")
    try:
        out = tmp_path / "results"
        args = ["demo", "--limit", "2", "--out", str(out), "-q", "--format", "markdown"]
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert res.exit_code == 3, res.output
        assert "talkbench: 2 of 2 runs incomplete (exit 3; --allow-failures exits 0)" in res.output
        assert "scored 1 of 2 clips; 1 failed" in res.output
        assert (out / "report" / "index.html").is_file()
        records = [json.loads(p.read_text()) for p in sorted(out.rglob("record.json"))]
        assert sorted(r["model"]["name"] for r in records) == ["gt", "static"]
        assert all(r["coverage"]["failed_clips"] == [first] for r in records)
        assert "| 1.000 (1/8) |" in res.output  # the table marks the failed clip (split of 8)
        res = CliRunner().invoke(cli, args + ["--allow-failures"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    finally:
        plugins.pm.unregister(plugin, name="_failsfirst")
