"""Format a Table as LaTeX (booktabs + xcolor), Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

from talkbench.errors import TalkbenchError
from talkbench.reports.naming import display_dataset
from talkbench.reports.table import Table

FORMATS = ("latex", "markdown", "csv", "json")
_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
                  "−": "$-$", "†": r"$^\dagger$", "↑": r"$\uparrow$", "↓": r"$\downarrow$", "±": r"$\pm$"}
LATEX_PACKAGES = ("booktabs", "xcolor", "graphicx")
#: wider tables are scaled to the line width (\resizebox, graphicx): 3 datasets × 6 metrics
RESIZE_ABOVE = 13


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _shown(cell) -> str:
    """The cell's text, with "(n/N)" when it was computed on fewer clips than the split holds."""
    return f"{cell.text} ({cell.coverage})" if getattr(cell, "coverage", None) else cell.text


def _latex_cell(cell) -> str:
    text = latex_escape(_shown(cell))
    if cell.mark == "best":
        return rf"\textbf{{{text}}}"
    if cell.mark == "second":
        return rf"\textcolor{{violet}}{{\textbf{{{text}}}}}"
    return text


def _sections(table: Table) -> list[list]:
    """GT rows, then the rest (a rule between them, as the paper's Table 1)."""
    gt = [r for r in table.rows if r.kind == "gt"]
    rest = [r for r in table.rows if r.kind != "gt"]
    return [s for s in (gt, rest) if s]


def to_latex(table: Table, standalone: bool = False) -> str:
    groups = table.datasets
    per = len(table.columns) // len(groups)
    first = latex_escape(table.by) if table.by else "Method"
    lines = [f"% talkbench table ({table.layout}); needs \\usepackage{{{','.join(LATEX_PACKAGES)}}}",
             r"\begin{table*}[t]", r"\centering", rf"\caption{{{latex_escape(table.caption)}}}",
             rf"\label{{{table.label}}}", r"\setlength{\tabcolsep}{4pt}",
             r"\begin{tabular}{l" + "".join("c" * per for _ in groups) + "}", r"\toprule"]
    wide = len(table.columns) + 1 > RESIZE_ABOVE
    if wide:
        lines.insert(-2, r"\resizebox{\linewidth}{!}{%")
    heads = " & ".join(rf"\multicolumn{{{per}}}{{c}}{{{latex_escape(display_dataset(d))}}}" for d in groups)
    lines.append(f" & {heads} \\\\")
    lines.append(" ".join(rf"\cmidrule(lr){{{2 + i * per}-{1 + (i + 1) * per}}}" for i in range(len(groups))))
    metric_heads = " & ".join(latex_escape(c.header + ("" if table.delta else c.arrow)) for c in table.columns)
    lines += [f"{first} & {metric_heads} \\\\", r"\midrule"]
    for i, section in enumerate(_sections(table)):
        if i:
            lines.append(r"\midrule")
        for row in section:
            lines.append(latex_escape(row.label) + " & " + " & ".join(_latex_cell(c) for c in row.cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}" + ("}" if wide else "")]
    if table.notes:
        lines.append(r"\par\smallskip\footnotesize " + r" \\ ".join(latex_escape(n) for n in table.notes))
    lines.append(r"\end{table*}")
    body = "\n".join(lines) + "\n"
    if not standalone:
        return body
    pre = "\\documentclass{article}\n\\usepackage[margin=1cm,landscape]{geometry}\n" + "".join(
        f"\\usepackage{{{p}}}\n" for p in LATEX_PACKAGES)
    return pre + "\\begin{document}\n" + body + "\\end{document}\n"


def _md_cell(cell) -> str:
    if cell.mark == "best":
        return f"**{_shown(cell)}**"
    if cell.mark == "second":
        return f"_**{_shown(cell)}**_"
    return _shown(cell)


def _flat_headers(table: Table) -> list[str]:
    multi = len(table.datasets) > 1 or table.layout == "table1"
    out = []
    for c in table.columns:
        head = c.header + ("" if table.delta else f" {c.arrow}")
        out.append(f"{display_dataset(c.dataset)} {head}" if multi else head)
    return out


def to_markdown(table: Table) -> str:
    first = table.by or "Method"
    # Markdown has no colour: second best is bold italic here, and the caption must say so too
    caption = table.caption.replace("second best in bold violet", "second best in bold italic")
    lines = [f"**{caption}**", "", "| " + " | ".join([first, *_flat_headers(table)]) + " |",
             "|---|" + "---:|" * len(table.columns)]
    for row in table.rows:
        lines.append("| " + " | ".join([row.label, *(_md_cell(c) for c in row.cells)]) + " |")
    legend = [] if table.delta or table.layout == "simple" else [
        "**bold**: best, _**bold italic**_: second best (GT rows not ranked)."]
    return "\n".join(lines + [""] + [f"{n}  " for n in legend + table.notes]).rstrip() + "\n"


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([table.by or "Method", "kind", *_flat_headers(table)])
    for row in table.rows:
        w.writerow([row.label, "published" if row.published else row.kind, *(c.text for c in row.cells)])
    return buf.getvalue()


def to_json(table: Table) -> str:
    return json.dumps(table.as_dict(), indent=1, ensure_ascii=False) + "\n"


def render(table: Table, fmt: str = "latex", standalone: bool = False) -> str:
    if fmt == "latex":
        return to_latex(table, standalone)
    if fmt == "markdown":
        return to_markdown(table)
    if fmt == "csv":
        return to_csv(table)
    if fmt == "json":
        return to_json(table)
    raise TalkbenchError(f"unknown table format {fmt!r}; choose one of {', '.join(FORMATS)}")
