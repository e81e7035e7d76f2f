"""Which shard markers (``run_dir/shards/<i>-of-<N>.json``) belong to the record being built.

A run directory keeps the markers of every invocation that ran in it: a ``--workers 4`` run
leaves ``0..3-of-4``, and a later ``--workers 2`` (or single-process, or ``--shard i/2``) run of
the same directory writes ``0..1-of-2`` next to them. Only the markers of the split that built
the record describe it (the clips each process took, the metrics as it saw them), so a record
lists and reads the markers of its own count N. Nothing is deleted: array jobs of one split
finish hours apart and must find their siblings' markers, and ``talkbench merge`` (which has no
count of its own) takes the split whose marker was written last.
"""

from __future__ import annotations

import re
from pathlib import Path

from talkbench.atomic import read_json

_NAME = re.compile(r"^(\d+)-of-(\d+)$")


def _parse(path: Path) -> tuple[int, int] | None:
    m = _NAME.match(path.stem)
    return (int(m.group(1)), int(m.group(2))) if m else None


def markers_of(run_dir: Path, count: int) -> list[Path]:
    """The markers ``<i>-of-<count>.json`` present, by shard index."""
    found = [(parsed[0], p) for p in (Path(run_dir) / "shards").glob("*.json")
             if (parsed := _parse(p)) is not None and parsed[1] == count]
    return [p for _, p in sorted(found)]


def latest_count(run_dir: Path) -> int | None:
    """The shard count of the marker finished last (its ``finished_at``, else its mtime);
    None when there is no marker."""
    best: tuple[float, int] | None = None
    for p in (Path(run_dir) / "shards").glob("*.json"):
        parsed = _parse(p)
        if parsed is None:
            continue
        info = read_json(p) or {}
        try:
            when = float(info.get("finished_at"))
        except (TypeError, ValueError):
            when = p.stat().st_mtime
        if best is None or when > best[0]:
            best = (when, parsed[1])
    return best[1] if best is not None else None
