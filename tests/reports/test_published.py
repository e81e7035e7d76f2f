"""results/paper/*.csv equal the tables in ../shared/paper-notes.md, and --paper shows them as printed."""

from __future__ import annotations

import re

import pytest

from talkbench.reports import build_table, published_rows
from talkbench.reports.naming import METRIC_ORDER
from talkbench.reports.paper import latent_variance_rows


def _paper_sections(notes: str) -> dict[str, list[tuple[str, list[str]]]]:
    """{"1": [(method, [12 values])], "2": [(row, [6 values])], ...} parsed from the markdown."""
    out: dict[str, list] = {}
    current = None
    for line in notes.splitlines():
        head = re.match(r"(?:## )?Table (\d)", line)
        if head:
            current = head.group(1)
            out.setdefault(current, [])
            continue
        if line.startswith("## "):
            current = None
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and line.startswith("| ") and len(cells) >= 2 and cells[0] not in ("method", "---"):
            out[current].append((cells[0], " ".join(cells[1:]).split()))
    return out


@pytest.fixture(scope="module")
def paper(shared_dir):
    return _paper_sections((shared_dir / "paper-notes.md").read_text())


def test_table1_rows_equal_paper_notes(paper):
    rows = [r for r in published_rows() if r.table == 1]
    assert len(paper["1"]) == 7 and len(rows) == 14
    for method, values in paper["1"]:
        for k, dataset in enumerate(("lrs2", "lrs3")):
            (row,) = [r for r in rows if r.method == method and r.dataset == dataset]
            assert [row.values[m] for m in METRIC_ORDER] == values[6 * k: 6 * k + 6], (method, dataset)


@pytest.mark.parametrize("table,option,values", [
    ("2", "audio", ["deepspeech", "avhubert"]),
    ("3", "reference", ["rnd", "prv", "prv-", "rnd+prv-"]),
    ("5", "num_prev", ["1", "5", "10"]),
    ("6", "freeze_layers", ["3", "6", "9", "12"]),
])
def test_ablation_rows_equal_paper_notes(paper, table, option, values):
    rows = [r for r in published_rows() if r.table == int(table)]
    assert [r.option for r in rows] == [option] * len(values) and [r.value for r in rows] == values
    assert len(paper[table]) == len(rows)
    for (name, nums), row in zip(paper[table], rows):
        assert [row.values[m] for m in METRIC_ORDER] == nums, name
        assert row.dataset == "lrs2" and row.model == "syncdiff"


def test_table4_latent_variance(shared_dir):
    text = (shared_dir / "paper-notes.md").read_text()
    ident = re.search(r"Ident: Rnd (\d+\.\d+), Rnd\+Prv- (\d+\.\d+)", text).groups()
    pose = re.search(r"Pose: Rnd (\d+\.\d+), Rnd\+Prv- (\d+\.\d+)", text).groups()
    rows = latent_variance_rows()
    assert [(r["value"], r["ident"], r["pose"]) for r in rows] == [
        ("rnd", ident[0], pose[0]), ("rnd+prv-", ident[1], pose[1])]


def test_paper_flag_shows_published_rows_exactly(paper):
    t = build_table([], paper=True)  # no runs at all: the paper's Table 1 alone
    assert [r.label for r in t.rows] == [f"{m}†" for m in
                                         ("GT", "GT-Rec", "Wav2Lip", "SadTalker", "TalkLip", "DiffTalk", "SyncDiff")]
    assert all(r.published for r in t.rows)
    for (method, values), row in zip(paper["1"], t.rows):
        assert [c.text for c in row.cells] == values
    # the paper's own marks come back: TalkLip best LSE-C on LRS2, DiffTalk second PSNR... GT rows unranked
    j = {(c.dataset, c.metric): i for i, c in enumerate(t.columns)}
    by = {r.label: r for r in t.rows}
    assert by["TalkLip†"].cells[j["lrs2", "lse_c"]].mark == "best"
    assert by["Wav2Lip†"].cells[j["lrs2", "lse_c"]].mark == "second"
    assert by["SyncDiff†"].cells[j["lrs2", "psnr"]].mark == "best"
    assert by["DiffTalk†"].cells[j["lrs2", "psnr"]].mark == "second"
    assert by["SyncDiff†"].cells[j["lrs2", "lpips"]].mark == "best"
    assert by["TalkLip†"].cells[j["lrs3", "wer"]].mark == "best"
    assert all(c.mark is None for c in by["GT-Rec†"].cells)
    assert any("published in the SyncDiff paper" in n for n in t.notes)
