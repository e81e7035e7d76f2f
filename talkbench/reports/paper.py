"""Published numbers (results/paper/*.csv): the SyncDiff paper's Tables 1-6, kept as printed."""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from talkbench.errors import TalkbenchError
from talkbench.reports.naming import METRIC_ORDER

PAPER_SOURCE = "SyncDiff paper"


def paper_dir() -> Path:
    """``$TALKBENCH_PAPER_DIR``, else ``results/paper`` of this checkout, else the installed copy.

    (A wheel ships the CSVs as data files under ``<prefix>/share/talkbench/paper``.)
    """
    env = os.environ.get("TALKBENCH_PAPER_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2] / "results" / "paper"
    installed = Path(sys.prefix) / "share" / "talkbench" / "paper"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


@dataclass(frozen=True)
class PublishedRow:
    table: int
    dataset: str
    method: str  # the paper's row name (GT-Rec, Rnd+Prv-, NP=5...)
    model: str  # talkbench row key
    values: dict[str, str]  # metric -> text as printed ("N/A" kept)
    option: str | None = None
    value: str | None = None
    source: str = field(default=PAPER_SOURCE)

    def number(self, metric: str) -> float | None:
        text = self.values.get(metric)
        try:
            return float(text) if text not in (None, "", "N/A") else None
        except ValueError:
            return None


def _read(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise TalkbenchError(f"{path}: published numbers not found; set TALKBENCH_PAPER_DIR to results/paper")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def published_rows(directory: str | Path | None = None) -> list[PublishedRow]:
    """Table 1 and the ablation tables (2, 3, 5, 6) as rows."""
    d = Path(directory) if directory else paper_dir()
    rows = []
    for name in ("table1.csv", "ablations.csv"):
        for r in _read(d / name):
            rows.append(PublishedRow(
                table=int(r["table"]), dataset=r["dataset"], method=r["method"], model=r["model"],
                values={m: r[m] for m in METRIC_ORDER if m in r},
                option=r.get("option") or None, value=r.get("value") or None,
            ))
    return rows


def latent_variance_rows(directory: str | Path | None = None) -> list[dict[str, str]]:
    """Table 4 (identity and pose latent variance)."""
    return _read((Path(directory) if directory else paper_dir()) / "table4_latent_variance.csv")
