"""The calibration summary (IQA-PyTorch style): one table, CALIBRATION.md at the repository
root, of every metric or model × protocol preset that has a reference fixture: the reference
code's value, ours, and the tolerance the fixture's PROTOCOL.md gives.

A fixture joins the table with one entry in ``CASES``: a ``Case`` whose ``compute(shared)``
returns its ``Row``s (``shared`` = the shared test media folder). The test
(test_calibration_summary.py) computes each case, checks every row against its tolerance and
against the committed table; ``python tools/calibration_summary.py`` rewrites the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import calib_cases as cc
import calib_peer_cases as pc
import calib_talklip_generator as ctg

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "CALIBRATION.md"


@dataclass(frozen=True)
class Row:
    component: str   # the metric (lse_c, psnr, wer...) or model (wav2lip, difftalk) pinned
    preset: str      # the protocol preset the row's computation is ("–": the network itself)
    quantity: str    # what is compared, e.g. "LSE-C" or "output max |Δ|"
    reference: float  # the reference code's value (from the fixture)
    ours: float
    tolerance: float  # the largest |ours − reference| accepted
    fixture: str     # fixture file (relative to the shared folder) and item

    @property
    def error(self) -> float:
        return abs(self.ours - self.reference)

    @property
    def ok(self) -> bool:
        return math.isfinite(self.ours) and self.error <= self.tolerance


@dataclass(frozen=True)
class Case:
    id: str
    compute: Callable[[Path], list[Row]]
    slow: bool = False  # the whole computation is long (the per-fixture tests cover it by default)


def _syncnet(clip: str, prot: str, slow: bool) -> Case:
    return Case(f"syncnet-lrs-{clip}-{'A' if prot == 'wav2lip_lse' else 'B'}",
                lambda shared: cc.syncnet_lrs_rows(shared, clip, prot, Row), slow=slow)


#: one entry per fixture computation; append yours (wild, latentsync, mocha, talklip boxes...)
CASES: list[Case] = [
    _syncnet("KatieHill", "wav2lip_lse", slow=False),
    _syncnet("KatieHill", "syncnet_orig", slow=True),
    _syncnet("AlexandriaOcasioCortez", "wav2lip_lse", slow=True),
    _syncnet("AlexandriaOcasioCortez", "syncnet_orig", slow=True),
    Case("wav2lip-generator", lambda shared: cc.wav2lip_rows(shared, Row)),
    Case("avhubert-seq2seq-video", lambda shared: cc.avhubert_rows(shared, Row)),
    Case("difftalk-unet", lambda shared: cc.difftalk_rows(shared, Row)),
    Case("talklip-quality", lambda shared: cc.talklip_quality_rows(shared, Row)),

    Case("syncnet-demo-KatieHill-4s", lambda shared: pc.demo_rows(shared, Row), slow=True),
    Case("latentsync-cut", lambda shared: pc.latentsync_rows(shared, Row), slow=True),
    Case("mocha-cut", lambda shared: pc.mocha_rows(shared, Row), slow=True),
    Case("wild-cut", lambda shared: pc.wild_rows(shared, Row), slow=True),

    Case("talklip-generator", lambda shared: ctg.talklip_generator_rows(shared, Row), slow=True),
]

HEADER = ("| case | component | preset | quantity | reference | ours | abs. error | tolerance | fixture |\n"
          "|---|---|---|---|---|---|---|---|---|")


def fmt(x: float) -> str:
    return f"{x:.9g}"


def render_row(case_id: str, r: Row) -> str:
    return (f"| {case_id} | {r.component} | {r.preset} | {r.quantity} | {fmt(r.reference)} | {fmt(r.ours)} "
            f"| {r.error:.1e} | {r.tolerance:g} | {r.fixture} |")


def render(results: dict[str, list[Row]]) -> str:
    lines = [render_row(c.id, r) for c in CASES for r in results.get(c.id, [])]
    return "\n".join([HEADER, *lines]) + "\n"


_ROW = re.compile(r"^\| (?P<case>[^|]+?) \| (?P<component>[^|]+?) \| (?P<preset>[^|]+?) \| (?P<quantity>[^|]+?) "
                  r"\| (?P<reference>[^|]+?) \| (?P<ours>[^|]+?) \| (?P<error>[^|]+?) \| (?P<tolerance>[^|]+?) "
                  r"\| (?P<fixture>[^|]+?) \|$")


def committed() -> dict[tuple[str, str], dict[str, str]]:
    """(case, quantity) → the committed row's cells, from the table between the markers."""
    text = TABLE.read_text()
    body = text.split("<!-- calibration table -->", 1)[1].split("<!-- end of calibration table -->", 1)[0]
    out = {}
    for line in body.strip().splitlines()[2:]:
        m = _ROW.match(line.strip())
        if not m:
            raise AssertionError(f"{TABLE}: unreadable table row {line!r}")
        out[(m["case"], m["quantity"])] = m.groupdict()
    return out


def write(results: dict[str, list[Row]]) -> None:
    text = TABLE.read_text()
    head, rest = text.split("<!-- calibration table -->", 1)
    tail = rest.split("<!-- end of calibration table -->", 1)[1]
    TABLE.write_text(f"{head}<!-- calibration table -->\n{render(results)}<!-- end of calibration table -->{tail}")
