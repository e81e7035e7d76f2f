"""The LaTeX tables compile with pdflatex (booktabs + xcolor), when a LaTeX engine is installed.

CI installs it with: apt-get install -y --no-install-recommends texlive-latex-base texlive-latex-recommended
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from talkbench.reports import render_table

from reports_fakes import make_record

INSTALL = "apt-get install -y --no-install-recommends texlive-latex-base texlive-latex-recommended"


def _compile(tmp_path, name: str, tex: str) -> str:
    if shutil.which("pdflatex") is None:
        pytest.skip(f"pdflatex is not on PATH (install it with: {INSTALL}); structure is tested elsewhere")
    (tmp_path / f"{name}.tex").write_text(tex)
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = proc.stdout
    assert proc.returncode == 0, log[-3000:]
    assert (tmp_path / f"{name}.pdf").stat().st_size > 1000
    return log


def test_table1_with_paper_rows_compiles(tmp_path, table1_records):
    recs = table1_records + [make_record("gt", "demo", {"lse_c": 3.0}, protocol={"lse_c": {"net": "demo"}}),
                             make_record("my_model&co", "demo", {"lse_c": 2.5, "psnr": 30.0})]
    tex = render_table(recs, "latex", paper=True, standalone=True, caption="Results: 100% demo_runs & #1")
    # three dataset groups (lrs2, lrs3, demo) are scaled to the line width
    assert "\\resizebox{\\linewidth}{!}{%\n\\begin{tabular}{l" + "c" * 18 + "}" in tex
    assert "\\end{tabular}}" in tex and "\\usepackage{graphicx}" in tex
    log = _compile(tmp_path, "table1", tex)
    assert "Undefined control sequence" not in log


def test_ablation_and_delta_compile(tmp_path):
    recs = [make_record("syncdiff", "lrs2", {"psnr": 31.0 + i, "wer": 70.0 - i}, options={"reference": r})
            for i, r in enumerate(["rnd", "prv-"])]
    _compile(tmp_path, "ablation", render_table(recs, "latex", layout="ablation", by="reference", paper=True,
                                                standalone=True))
    _compile(tmp_path, "delta", render_table(recs, "latex", layout="ablation", by="reference", delta=True,
                                             standalone=True))
