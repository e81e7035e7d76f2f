"""Paper-ready footnotes: which net, deduplicated, no local paths or URLs; legend = caption."""

from __future__ import annotations

from reports_fakes import make_record

from talkbench.reports import render_table
from talkbench.reports.footnotes import reader_reason
from talkbench.reports.table import build_table

SYNCNET_MISSING = ("weights 'syncnet' missing: download syncnet_v2.model from "
                   "http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model and put it at "
                   "/root/.cache/talkbench/weights/syncnet_v2.model (or pass --weights syncnet=PATH)")


def test_reader_reason_keeps_what_drops_where_and_how():
    assert reader_reason(SYNCNET_MISSING) == "weights 'syncnet' missing"
    assert reader_reason("weights 'x' missing: download x.pth from (no public URL) and put it at /a/b/x.pth") \
        == "weights 'x' missing"
    assert reader_reason("lpips: needs the `lpips` extra (torchvision is not installed): pip install -c "
                         "constraints-cpu.txt 'talkbench[lpips]'; then weights 'lpips-alex' missing: download "
                         "alexnet.pth from https://download.pytorch.org/models/alexnet.pth and put it at /h/w") \
        == "lpips: needs the `lpips` extra (torchvision is not installed)"
    assert reader_reason("needs transcripts, which this dataset does not have") == \
        "needs transcripts, which this dataset does not have"


def _demo_records():
    recs = [make_record(m, "demo", {"psnr": 30.0 + i, "lse_c": 5.0 + i, "lse_d": 7.0 - i},
                        protocol={"lse_c": {"net": "demo"}, "lse_d": {"net": "demo"}})
            for i, m in enumerate(("gt", "static"))]
    for r in recs:
        r["metrics"]["lpips"] = {"value": None, "n": 0, "label": "LPIPS", "higher_is_better": False,
                                 "status": "unavailable", "reason": SYNCNET_MISSING.replace("syncnet", "lpips-alex")}
    return recs


def test_notes_once_per_net_and_without_paths_or_urls():
    t = build_table(_demo_records(), metrics=["psnr", "lpips", "lse_c", "lse_d"])
    net_notes = [n for n in t.notes if "not the official weights" in n]
    assert net_notes == ["Demo LSE-C and LSE-D: computed with the demo SyncNet (trained by talkbench on its "
                         "synthetic demo dataset), not the official weights; not comparable to published numbers."]
    for fmt in ("latex", "markdown"):
        out = render_table(_demo_records(), fmt, metrics=["psnr", "lpips", "lse_c", "lse_d"])
        assert "http" not in out and "/root" not in out and "no public URL" not in out and "download" not in out
        assert out.count("not the official weights") == 1
    assert "LPIPS unavailable: weights 'lpips-alex' missing." in t.notes


def test_markdown_legend_matches_its_caption():
    md = render_table(_demo_records(), "markdown", metrics=["psnr", "lse_c"])
    assert "bold violet" not in md
    assert "second best in bold italic" in md.splitlines()[0] and "_**bold italic**_: second best" in md
    tex = render_table(_demo_records(), "latex", metrics=["psnr", "lse_c"])
    assert "second best in bold violet" in tex


def test_table_command_prints_the_full_reasons_on_stderr_only(tmp_path):
    from click.testing import CliRunner
    from reports_fakes import write_records

    from talkbench.cli import cli, register_plugin_commands

    register_plugin_commands()
    results = write_records(tmp_path / "results", _demo_records())
    res = CliRunner(mix_stderr=False).invoke(cli, ["table", "--results", str(results)], catch_exceptions=False) \
        if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else \
        CliRunner().invoke(cli, ["table", "--results", str(results)], catch_exceptions=False)
    assert res.exit_code == 0
    assert "https://" not in res.stdout and "/root/.cache" not in res.stdout
    assert "/root/.cache/talkbench/weights/lpips-alex_v2.model" in res.stderr  # where to put it: terminal
