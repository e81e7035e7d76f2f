"""``talkbench report``: a directory with the tables, a figure, and copies of every record used.

Layout::

    <out>/README.md                       what is here and the commands that made it
    <out>/tables/table1.{tex,md,csv,json} Table 1 layout over every dataset with runs
    <out>/tables/ablation-<opt>.{...}     one per option that took ≥2 values for a model
    <out>/figures/strip.png               GT and each model on a few clips (when videos exist)
    <out>/records/<run_dir>/record.json   the runs behind the numbers (+ per_clip.csv)
    <out>/provenance.json                 every table cell -> the record it came from

The directory is assembled next to ``out`` and swapped in at the end, so an interrupted report
never leaves a half-written one behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from talkbench.atomic import publish_dir
from talkbench.errors import TalkbenchError
from talkbench.reports.render import render
from talkbench.reports.table import Table, build_table

TABLE_FORMATS = {"tex": "latex", "md": "markdown", "csv": "csv", "json": "json"}


def ablation_options(records: list[dict]) -> list[str]:
    """Options that took at least two values across runs of one model on one dataset."""
    values: dict[tuple, set] = defaultdict(set)
    for r in records:
        for k, v in ((r.get("model") or {}).get("options") or {}).items():
            values[(r["model"]["name"], r["dataset"]["name"], k)].add(json.dumps(v, sort_keys=True))
    return sorted({k for (_, _, k), vs in values.items() if len(vs) >= 2})


def _write_table(out: Path, name: str, table: Table, records_dir: dict[str, str]) -> None:
    for row in table.rows:  # point at the copies inside the report, so it stands alone
        for cell in row.cells:
            if cell.record:
                cell.record = records_dir.get(cell.record, cell.record)
    for ext, fmt in TABLE_FORMATS.items():
        (out / "tables" / f"{name}.{ext}").write_text(render(table, fmt, standalone=False))
    (out / "tables" / f"{name}.standalone.tex").write_text(render(table, "latex", standalone=True))


def write_report(
    records: list[dict], out: str | Path, *, paper: bool = False, clips: Sequence[str] | None = None,
    frames: Sequence[int] | None = None, models: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None, figure: bool = True,
) -> Path:
    if not records:
        raise TalkbenchError("no run records found: run `talkbench run ...` (or `talkbench demo`) first")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        _assemble(tmp, records, paper, clips, frames, models, datasets, figure)
        publish_dir(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _assemble(tmp, records, paper, clips, frames, models, datasets, figure) -> None:
    (tmp / "tables").mkdir()
    (tmp / "records").mkdir()
    tables: dict[str, Table] = {"table1": build_table(records, paper=paper, models=models, datasets=datasets)}
    for opt in ablation_options(records):
        tables[f"ablation-{opt}"] = build_table(records, layout="ablation", by=opt, paper=paper,
                                                models=models, datasets=datasets)
    used = {cell.record for t in tables.values() for r in t.rows for cell in r.cells if cell.record}
    copies: dict[str, str] = {}
    for path in sorted(used):
        src = Path(path).parent
        dst = tmp / "records" / src.name
        dst.mkdir(exist_ok=True)
        for name in ("record.json", "per_clip.csv", "run.json"):
            if (src / name).is_file():
                shutil.copy2(src / name, dst / name)
        copies[path] = str(Path("records") / src.name / "record.json")
    provenance = {}
    for name, table in tables.items():
        _write_table(tmp, name, table, copies)
        provenance[name] = [
            {"row": r.label, "dataset": c.dataset, "metric": c.metric, "text": cell.text, "status": cell.status,
             "record": cell.record, "published": r.published}
            for r in table.rows for c, cell in zip(table.columns, r.cells)]
    (tmp / "provenance.json").write_text(json.dumps(provenance, indent=1, ensure_ascii=False))
    fig_note = _figure(tmp, records, clips, frames, models) if figure else "figure not requested"
    lines = ["# talkbench report", "", f"Runs: {len(used)} (copies in records/). Tables in tables/ "
             "(LaTeX needs booktabs and xcolor; *.standalone.tex compiles on its own).", "",
             f"Figure: {fig_note}", "", "## Table 1 layout", "", render(tables["table1"], "markdown")]
    for name, table in tables.items():
        if name != "table1":
            lines += [f"## {name}", "", render(table, "markdown")]
    (tmp / "README.md").write_text("\n".join(lines))


def _figure(tmp: Path, records, clips, frames, models) -> str:
    from talkbench.reports.figure import render_figure

    with_videos = [r for r in records if (Path(r["_path"]).parent / "videos").is_dir()]
    if not with_videos:
        return "no run kept its videos, so no figure"
    rec = with_videos[0]
    if not clips:
        vids = sorted(p.stem for p in (Path(rec["_path"]).parent / "videos").glob("*.mp4"))
        clips = vids[:2]
    if not clips:
        return "no generated videos found"
    if not frames:
        frames = [5, 25, 45]
    try:
        render_figure(records, clips, frames, tmp / "figures" / "strip.png", models=models,
                      dataset=rec["dataset"]["name"])
    except TalkbenchError as exc:
        return f"not drawn ({exc})"
    return f"figures/strip.png (clips {', '.join(clips)}, frames {', '.join(map(str, frames))})"
