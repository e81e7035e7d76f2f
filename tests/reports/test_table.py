"""Tables from run records: marks, arrows, N/A, latest-run selection, formats, ablations."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from talkbench import TalkbenchError
from talkbench.reports import build_table, load_records, render, render_table

from reports_fakes import make_record, write_records


def cell(table, row_label, dataset, metric):
    j = next(i for i, c in enumerate(table.columns) if c.dataset == dataset and c.metric == metric)
    return next(r for r in table.rows if r.label == row_label).cells[j]


def test_ranking_marks_respect_direction_and_skip_gt(table1_records):
    t = build_table(table1_records)
    # PSNR ↑: SyncDiff best, Wav2Lip second; GT (45 dB) is higher but never ranked
    assert cell(t, "SyncDiff", "lrs2", "psnr").mark == "best"
    assert cell(t, "Wav2Lip", "lrs2", "psnr").mark == "second"
    assert cell(t, "GT", "lrs2", "psnr").mark is None
    assert cell(t, "Static", "lrs2", "psnr").mark is None
    # LPIPS ↓ and LSE-D ↓: the smallest wins
    assert cell(t, "SyncDiff", "lrs2", "lpips").mark == "best"
    assert cell(t, "Wav2Lip", "lrs2", "lpips").mark == "second"
    assert cell(t, "SyncDiff", "lrs2", "lse_d").mark == "best"
    assert cell(t, "Static", "lrs2", "lse_d").mark is None
    # LSE-C ↑: Wav2Lip 7.90 beats SyncDiff 7.80
    assert cell(t, "Wav2Lip", "lrs2", "lse_c").mark == "best"
    assert cell(t, "SyncDiff", "lrs2", "lse_c").mark == "second"
    # LRS3: only two ranked rows -> a best, but no "second" for the last one
    assert cell(t, "SyncDiff", "lrs3", "psnr").mark == "best"
    assert cell(t, "Wav2Lip", "lrs3", "psnr").mark is None
    tex = render(t, "latex")
    assert r"\textbf{32.40}" in tex and r"\textcolor{violet}{\textbf{31.00}}" in tex
    assert r"\textbf{45.00}" not in tex and "GT & 45.00 &" in tex


def test_ties_at_printed_precision_share_the_mark():
    recs = [make_record(m, "demo", {"psnr": v}) for m, v in
            (("a", 30.001), ("b", 30.004), ("c", 29.0), ("d", 28.0))]
    t = build_table(recs, layout="simple")  # simple: no marks at all
    assert all(c.mark is None for r in t.rows for c in r.cells)
    t = build_table(recs, metrics=["psnr"])
    assert [cell(t, m, "demo", "psnr").mark for m in "abcd"] == ["best", "best", "second", None]


def test_arrows_follow_metric_direction(table1_records):
    tex = render_table(table1_records, "latex")
    for label, arrow in (("PSNR", "up"), ("SSIM", "up"), ("LPIPS", "down"), ("LSE-C", "up"),
                         ("LSE-D", "down"), ("WER", "down")):
        assert tex.count(f"{label}$\\{arrow}arrow$") == 2  # once per dataset group
    md = render_table(table1_records, "markdown")
    header = md.splitlines()[2]
    assert "LRS2 PSNR ↑" in header and "LRS3 LPIPS ↓" in header and "LRS2 WER ↓" in header


def test_na_cells_and_unavailable_reason(table1_records):
    t = build_table(table1_records)
    assert cell(t, "Static", "lrs3", "psnr").text == "N/A"  # no run on lrs3
    assert cell(t, "Static", "lrs3", "psnr").status == "missing"
    assert cell(t, "Wav2Lip", "lrs2", "wer").text == "N/A"  # metric not computed
    lp = cell(t, "Wav2Lip", "lrs3", "lpips")
    assert (lp.text, lp.status) == ("N/A", "unavailable") and "lpips.pth" in lp.reason
    assert any(n.startswith("LPIPS unavailable: weights file lpips.pth") for n in t.notes)
    nan = build_table([make_record("a", "demo", {"psnr": float("inf")}),
                       make_record("b", "demo", {"psnr": None})], metrics=["psnr"])
    assert [r.cells[0].text for r in nan.rows] == ["N/A", "N/A"]


def test_latest_run_per_model_and_dataset_and_test_split(tmp_path):
    write_records(tmp_path, [
        make_record("wav2lip", "lrs2", {"psnr": 20.0}, created="2026-11-20T10:00:00+00:00"),
        make_record("wav2lip", "lrs2", {"psnr": 30.0}, created="2026-11-22T10:00:00+00:00"),
        make_record("wav2lip", "lrs2", {"psnr": 99.0}, created="2026-11-23T10:00:00+00:00", split="train"),
        make_record("wav2lip", "lrs2", {"psnr": 25.0}, created="2026-11-21T10:00:00+00:00"),
    ])
    recs = load_records(tmp_path)
    t = build_table(recs, metrics=["psnr"])
    assert [(r.label, r.cells[0].text) for r in t.rows] == [("Wav2Lip", "30.00")]
    assert cell(t, "Wav2Lip", "lrs2", "psnr").record.endswith("record.json")
    t = build_table(recs, metrics=["psnr"], split="train")
    assert t.rows[0].cells[0].text == "99.00"
    t = build_table(recs, metrics=["psnr"], latest=False)
    assert sorted(r.cells[0].text for r in t.rows) == ["20.00", "25.00", "30.00"]


def test_rows_by_label_and_external_preset():
    recs = [make_record("external", "lrs2", {"psnr": 29.0}, options={"preset": "sadtalker"}),
            make_record("syncdiff", "lrs2", {"psnr": 31.0}, label="syncdiff-ae"),
            make_record("gt", "lrs2", {"psnr": 50.0})]
    t = build_table(recs, metrics=["psnr"])
    assert [(r.label, r.kind) for r in t.rows] == [("GT", "gt"), ("GT-Rec", "gt"), ("SadTalker", "ours")]
    assert t.rows[2].cells[0].mark is None  # GT-Rec is excluded from the ranking too
    assert [r.label for r in build_table(recs, metrics=["psnr"], models=["sadtalker"]).rows] == ["SadTalker"]


def test_formats_show_the_same_cells(table1_records):
    t = build_table(table1_records, paper=True)
    data = json.loads(render(t, "json"))
    rows = list(csv.reader(io.StringIO(render(t, "csv"))))
    md = [line for line in render(t, "markdown").splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) - 1 == len(data["rows"]) == len(md) - 1 == len(t.rows)
    headers = [c["header"] + " " + c["arrow"] for c in data["columns"]]
    assert [h.split(" ", 1)[1] for h in rows[0][2:]] == headers
    for jr, cr, mr in zip(data["rows"], rows[1:], md[1:]):
        texts = [c["text"] for c in jr["cells"]]
        md_cells = [re.sub(r"[*_]{2,3}(.+?)[*_]{2,3}$", r"\1", x.strip()) for x in mr.strip("|").split("|")]
        assert cr[0] == jr["label"] == md_cells[0]
        assert cr[2:] == texts == md_cells[1:]
        places = {"psnr": 2, "ssim": 3, "lpips": 3, "lse_c": 2, "lse_d": 2, "wer": 2}
        for c, col in zip(jr["cells"], data["columns"]):
            if c["status"] == "ok":  # the paper's precision per metric
                assert c["text"] == f"{c['value']:.{places[col['metric']]}f}"


def test_latex_structure(table1_records):
    tex = render_table(table1_records, "latex", caption="My caption_x", label="tab:main")
    assert tex.count(r"\begin{tabular}{lcccccccccccc}") == 1 and tex.count(r"\end{tabular}") == 1
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert rule in tex
    assert r"\multicolumn{6}{c}{LRS2} & \multicolumn{6}{c}{LRS3}" in tex
    assert r"\cmidrule(lr){2-7} \cmidrule(lr){8-13}" in tex
    assert r"\caption{My caption\_x}" in tex and r"\label{tab:main}" in tex
    body = tex.split(r"\midrule", 1)[1].split(r"\bottomrule")[0]
    data_lines = [ln for ln in body.splitlines() if ln.endswith(r"\\")]
    assert len(data_lines) == 4 and all(ln.count(" & ") == 12 for ln in data_lines)
    assert data_lines[0].startswith("GT & ")  # GT first, then a rule, then the methods
    assert tex.index("GT & ") < tex.index(r"\midrule", tex.index("GT & ")) < tex.index("Static & ")


def test_demo_syncnet_columns_are_labelled():
    recs = [make_record("gt", "demo", {"lse_c": 5.0, "lse_d": 7.0},
                        protocol={"lse_c": {"net": "demo"}, "lse_d": {"net": "demo"}}),
            make_record("gt", "lrs2", {"lse_c": 8.0}, protocol={"lse_c": {"net": "official"}})]
    t = build_table(recs, metrics=["lse_c", "lse_d"])
    assert [c.header for c in t.columns] == ["LSE-C", "LSE-D", "LSE-C (demo SyncNet)", "LSE-D (demo SyncNet)"]  # LRS2 first
    assert "LSE-C (demo SyncNet)$\\uparrow$" in render(t, "latex")
    assert any("demo SyncNet (trained by talkbench on its synthetic demo dataset), not the official weights" in n
               for n in t.notes)


def test_ablation_layout_groups_runs_by_option_value():
    recs = [make_record("syncdiff", "demo", {"psnr": 30.0 + i, "lse_c": 5.0 - i},
                        options={"reference": ref, "num_prev": 1}, created=f"2026-11-23T1{i}:00:00+00:00")
            for i, ref in enumerate(["rnd", "prv", "rnd+prv-"])]
    recs.append(make_record("syncdiff", "demo", {"psnr": 10.0}, options={"reference": "rnd"},
                            created="2026-11-01T00:00:00+00:00"))  # older: ignored
    recs.append(make_record("wav2lip", "demo", {"psnr": 40.0}))  # no such option: not in the ablation
    t = build_table(recs, layout="ablation", by="reference")
    assert [r.label for r in t.rows] == ["rnd", "prv", "rnd+prv-"]  # the paper's order
    assert [r.cells[0].text for r in t.rows] == ["30.00", "31.00", "32.00"]
    assert [r.cells[0].mark for r in t.rows] == [None, "second", "best"]
    assert [r.cells[1].mark for r in t.rows] == ["best", "second", None]
    tex = render(t, "latex")
    assert "reference & PSNR$\\uparrow$ & LSE-C$\\uparrow$" in tex and "rnd+prv- & " in tex
    num = build_table([make_record("syncdiff", "demo", {"psnr": 1.0 * n}, options={"num_prev": n})
                       for n in (10, 1, 5)], layout="ablation", by="num_prev")
    assert [r.label for r in num.rows] == ["1", "5", "10"]
    with pytest.raises(TalkbenchError, match="needs --by OPTION"):
        build_table(recs, layout="ablation")


def test_ablation_with_published_rows():
    recs = [make_record("syncdiff", "lrs2", {"psnr": 31.5}, options={"reference": "prv"})]
    t = build_table(recs, layout="ablation", by="reference", paper=True)
    labels = [r.label for r in t.rows]
    assert labels == ["rnd†", "prv", "prv†", "prv-†", "rnd+prv-†"]
    assert cell(t, "prv†", "lrs2", "wer").text == "76.16"
    d = build_table(recs, layout="ablation", by="reference", delta=True)
    assert [r.label for r in d.rows] == ["prv"]
    assert d.rows[0].cells[0].text == "-0.11" and abs(d.rows[0].cells[0].value - (31.5 - 31.61)) < 1e-9


def test_bad_arguments_are_one_line_errors(table1_records):
    with pytest.raises(TalkbenchError, match="unknown table layout 'wide'"):
        build_table(table1_records, layout="wide")
    with pytest.raises(TalkbenchError, match="unknown table format 'html'"):
        render_table(table1_records, "html")
    with pytest.raises(TalkbenchError, match="no runs to tabulate"):
        build_table([])


def test_lpips_backbone_is_not_mistaken_for_a_demo_net():
    """LPIPS's protocol `net` names its backbone (alex/vgg), not which weights were trained."""
    recs = [make_record("gt", "demo", {"lpips": 0.1, "lse_c": 5.0},
                        protocol={"lpips": {"net": "alex"}, "lse_c": {"net": "demo"}})]
    t = build_table(recs, metrics=["lpips", "lse_c"])
    assert [c.header for c in t.columns] == ["LPIPS", "LSE-C (demo SyncNet)"]
    assert not any("alex" in n for n in t.notes)


def test_ablation_groups_by_switches_read_from_checkpoints():
    """Separately trained variants leave `reference` unset; the loaded model reports it."""
    recs = []
    for ref, psnr in (("rnd", 32.4), ("prv-", 32.2)):
        rec = make_record("syncdiff", "lrs2", {"psnr": psnr}, options={"reference": None},
                          created=f"2026-11-23T20:0{len(recs)}:00+00:00")
        rec["model"]["effective_options"] = {"reference": ref}
        recs.append(rec)
    t = build_table(recs, layout="ablation", by="reference")
    labels = [r.label for r in t.rows]
    assert any("rnd" in lab for lab in labels) and any("prv-" in lab for lab in labels)
    assert len(t.rows) == 2
