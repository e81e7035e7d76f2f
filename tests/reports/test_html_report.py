"""The HTML report's files without a browser: stats.json = talkbench.stats, media links, escaping, CLI."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from synth_runs import write_run
from talkbench.cli import cli, register_plugin_commands
from talkbench.records import load_records
from talkbench.reports.html import write_html_report
from talkbench.stats import run_cis


@pytest.fixture
def results(tmp_path):
    res = tmp_path / "results"
    write_run(res, "gt", n_clips=6, offset=1.0)
    write_run(res, "static", n_clips=6, offset=-1.0, seed=1, failed=1)
    write_run(res, "wav2lip", n_clips=6, seed=2, label="<b>w2l</b>")
    for rec in load_records(res):  # stand-in videos (copied / linked, never decoded here)
        vids = os.path.join(os.path.dirname(rec["_path"]), "videos")
        os.makedirs(vids)
        for i in range(1, 6):
            open(os.path.join(vids, f"spk00_{i:03d}.mp4"), "wb").write(b"\0")
    return res


def test_stats_json_is_talkbench_stats_and_pages_exist(results, tmp_path):
    index = write_html_report(load_records(results), tmp_path / "rep", strips=0, plots=False, n_resamples=200)
    stats = json.loads((index.parent / "stats.json").read_text())
    for rec in load_records(results):
        assert stats["runs"][rec["run_dir"]]["metrics"] == run_cis(rec, n_resamples=200)
    # one page per run; a run id that is not a file name ("<b>w2l</b>-...") is made one
    assert len(list(index.parent.glob("run-*.html"))) == 3
    assert len(list(index.parent.glob("run-_b_w2l__b_-demo-test-*.html"))) == 1
    assert {(t["a_label"], t["b_label"]) for t in stats["comparisons"]} == {
        ("GT", "Static"), ("GT", "<b>w2l</b>"), ("Static", "<b>w2l</b>")}
    html = index.read_text()
    assert "&lt;b&gt;w2l&lt;/b&gt;" in html and "<b>w2l</b>" not in html  # labels are escaped
    assert ">5/6<" in html  # static: one clip failed
    static_page = next(index.parent.glob("run-static-*.html")).read_text()
    assert "no face found in frame 0" in static_page and "Failures (1)" in static_page
    data = (index.parent / "data" / "clips.js").read_text()
    payload = json.loads(data.removeprefix("window.TB_DATA = ").rstrip().rstrip(";"))
    assert len(payload["clips"]) == 6 and len(payload["runs"]) == 3
    # linked, relative to the report: ../results/runs/<run>/videos/
    assert all(r["video"].startswith("../results/runs/") and r["video"].endswith("/videos/") for r in payload["runs"])
    assert not (index.parent / "media").exists()
    # the stand-in videos are not H.264: said on the page and in stats.json, not hidden
    assert len(stats["notes"]) == 3 and all("could not be read" in n for n in stats["notes"])
    assert "<h2>Notes</h2>" in html


def test_copy_media_makes_the_folder_portable(results, tmp_path):
    index = write_html_report(load_records(results), tmp_path / "rep", strips=0, plots=False, n_resamples=100,
                              copy_media=True)
    payload = json.loads((index.parent / "data" / "clips.js").read_text().removeprefix("window.TB_DATA = ").rstrip()[:-1])
    for run in payload["runs"]:
        slug = run["href"][len("run-"):-len(".html")]
        assert run["video"] == f"media/{quote(slug)}/"
        assert len(list((index.parent / "media" / slug).glob("*.mp4"))) == 5


def test_plots_and_paper_rows(results, tmp_path):
    index = write_html_report(load_records(results), tmp_path / "rep", strips=0, n_resamples=100, paper=False)
    svg = next((index.parent / "plots").glob("static-*.svg")).read_text()
    assert svg.lstrip().startswith("<?xml") and "PSNR" in svg and "n = 5" in svg


def test_report_cli_html(results, tmp_path):
    register_plugin_commands()
    res = CliRunner().invoke(cli, ["report", "--results", str(results), "--html", str(tmp_path / "h"),
                                   "--strips", "0", "--resamples", "100", "--paper"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"wrote {(tmp_path / 'h' / 'index.html').resolve()}"
    assert 'class="published"' in (tmp_path / "h" / "index.html").read_text()
    none = CliRunner().invoke(cli, ["report", "--results", str(results)])
    assert none.exit_code == 2 and "report needs --out DIR (tables) and/or --html DIR" in none.output


@pytest.mark.parametrize("command", ["compare"])
def test_compare_help_has_examples(command):
    register_plugin_commands()
    res = CliRunner().invoke(cli, [command, "--help"])
    assert res.exit_code == 0 and "Examples:" in res.output and f"talkbench {command}" in res.output


def test_codec_note_flags_videos_browsers_may_not_play(tmp_path):
    import av
    import numpy as np

    from talkbench.reports.html.collect import codec_note

    def write(path, codec):
        with av.open(str(path), "w") as f:
            s = f.add_stream(codec, rate=25)
            s.width = s.height = 32
            s.pix_fmt = "yuv420p"
            for _ in range(3):
                f.mux(s.encode(av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")))
            f.mux(s.encode())

    write(tmp_path / "a.mp4", "libx264")
    write(tmp_path / "b.mp4", "mpeg4")
    assert codec_note("run", tmp_path / "a.mp4") is None
    assert codec_note("run", tmp_path / "b.mp4").startswith("run: videos are mpeg4, not H.264")


def test_best_and_second_marks_rank_published_rows_as_the_latex_table(tmp_path):
    from talkbench.reports.html.collect import collect
    from talkbench.reports.paper import published_rows

    res = tmp_path / "results"
    write_run(res, "wav2lip", n_clips=4, dataset="lrs2", offset=3.0)  # PSNR ≈ 36: above every published row
    data = collect(load_records(res), paper=True, n_resamples=100, seed=0)
    run = data.runs[0]
    assert data.marks[(run.id, "psnr")] == "best"
    pub = {p.model: p for p in published_rows() if p.table == 1 and p.dataset == "lrs2"}
    second = max((p for m, p in pub.items() if m not in ("gt", "syncdiff-ae") and p.number("psnr") is not None),
                 key=lambda p: p.number("psnr"))
    assert data.marks[(f"published:{second.model}:lrs2", "psnr")] == "second"
