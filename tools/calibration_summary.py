"""Rewrite the calibration summary table in CALIBRATION.md (repository root).

    python tools/calibration_summary.py [--check]

Computes every case of tests/calibration/calib_registry.py (slow ones too) on the shared
fixtures ($TALKBENCH_SHARED, else shared/ beside the checkout) and writes the table between
its markers; --check only reports rows that fail their tolerance (exit 1).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "calibration"))


def main() -> int:
    import torch

    from calib_registry import CASES, render, write

    torch.set_num_threads(1)
    shared = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
    if not (shared / "calibration").is_dir():
        print(f"calibration_summary: no fixtures at {shared / 'calibration'}; set TALKBENCH_SHARED", file=sys.stderr)
        return 2
    results, bad = {}, []
    for case in CASES:
        print(f"calibration_summary: {case.id}", file=sys.stderr, flush=True)
        results[case.id] = case.compute(shared)
        bad += [f"{case.id} {r.quantity}" for r in results[case.id] if not r.ok]
    if "--check" in sys.argv[1:]:
        print(render(results), end="")
    else:
        write(results)
    for b in bad:
        print(f"calibration_summary: FAILS its tolerance: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
