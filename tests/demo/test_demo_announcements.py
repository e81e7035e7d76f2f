"""`talkbench demo` without -q says which step it is on and keeps plain progress lines in a log."""

from __future__ import annotations

import re

from click.testing import CliRunner

from talkbench.cli import cli, register_plugin_commands


def test_demo_announces_each_step_and_logs_progress(demo_build, tmp_path, monkeypatch):
    import talkbench.cli.run_cmds as run_cmds

    monkeypatch.setattr(run_cmds, "DEMO_METRICS", ["psnr", "ssim"])  # the LSE nets are tested elsewhere
    monkeypatch.setenv("TALKBENCH_PROGRESS_EVERY", "0")
    register_plugin_commands()
    # CliRunner's stderr is not a terminal, as with `talkbench demo 2> log`
    res = CliRunner().invoke(cli, ["demo", "--limit", "2", "--out", str(tmp_path / "results"),
                                   "--format", "markdown"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    err = res.stderr.splitlines()
    assert err[0].startswith("talkbench: demo: gt and static on the built-in synthetic demo dataset")
    assert "metrics psnr, ssim;" in err[0]
    steps = [line for line in err if re.match(r"talkbench: demo \d/2: ", line)]
    assert steps == ["talkbench: demo 1/2: generating and scoring gt",
                     "talkbench: demo 2/2: generating and scoring static"]
    # each run's loop: a start line, a line per clip (EVERY=0) and an end line, no rich bar codes
    assert "\x1b" not in res.stderr
    for model in ("gt", "static"):
        lines = [line for line in err if line.startswith(f"{model} on demo/test: ")]
        assert [line.split(": ")[1].split(",")[0] for line in lines] == ["0/2 clips", "1/2 clips", "2/2 clips"], lines
        assert lines[0] == f"{model} on demo/test: 0/2 clips, -- clips/s, elapsed 0:00:00, ETA --"
        assert re.fullmatch(rf"{model} on demo/test: 2/2 clips, [^,]+, elapsed \d:\d\d:\d\d, ETA 0:00:00", lines[-1])
    # the announcement comes before its run's progress lines
    assert err.index(steps[1]) < min(i for i, line in enumerate(err) if line.startswith("static on demo"))
