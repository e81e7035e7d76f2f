"""The calibration summary: every metric/model × preset with a reference fixture reproduces the
reference value at its tolerance, and CALIBRATION.md (repository root) shows it.

Regenerate the table with ``python tools/calibration_summary.py`` (all cases, slow ones too).
Cases marked slow here (three of the four SyncNet clips) are asserted at the same tolerances
by tests/syncnet/test_syncnet_calibration.py in the default suite.
"""

from __future__ import annotations

import pytest

from calib_registry import CASES, TABLE, committed, fmt

FIX = "python tools/calibration_summary.py"


def test_the_table_lists_every_case_and_only_them():
    ids = {case for case, _ in committed()}
    assert ids == {c.id for c in CASES}, f"{TABLE.name} is stale: run `{FIX}`"
    assert len({c.id for c in CASES}) == len(CASES), "two cases share an id"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else [])
                                  for c in CASES])
def test_case_reproduces_the_reference_and_the_table_shows_it(case, shared_dir):
    rows = case.compute(shared_dir)
    assert rows, case.id
    table = committed()
    for r in rows:
        assert r.ok, f"{case.id} {r.quantity}: ours {r.ours!r} vs reference {r.reference!r} (tolerance {r.tolerance})"
        got = table.get((case.id, r.quantity))
        assert got is not None, f"{TABLE.name} lacks {case.id} / {r.quantity}: run `{FIX}`"
        # what does not depend on this machine must be exactly as committed
        assert (got["component"], got["preset"], got["reference"], got["tolerance"], got["fixture"]) == (
            r.component, r.preset, fmt(r.reference), f"{r.tolerance:g}", r.fixture), f"{case.id}: run `{FIX}`"
        # ours may move by float noise from machine to machine, never beyond the tolerance
        assert abs(float(got["ours"]) - r.ours) <= max(r.tolerance, 1e-12), f"{case.id} {r.quantity}: run `{FIX}`"
    assert {q for c, q in table if c == case.id} == {r.quantity for r in rows}, f"{case.id}: run `{FIX}`"
