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
