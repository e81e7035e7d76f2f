"""Calibration case: the ``talklip`` generator against TalkLip's own inf_test.py
(tests/fixtures/talklip_generator, BASE-size seeded weights; ~20 s, so the case is slow)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

TALKLIP_TESTS = Path(__file__).resolve().parents[1] / "talklip"


def talklip_generator_rows(shared: Path, Row) -> list:
    if str(TALKLIP_TESTS) not in sys.path:
        sys.path.insert(0, str(TALKLIP_TESTS))
    from talklip_reference_run import frame_difference, load_reference, run_talkbench

    meta, exp = load_reference()
    with tempfile.TemporaryDirectory() as tmp:
        _, pred, out = run_talkbench(Path(tmp), meta)
    where = "tests/fixtures/talklip_generator (TalkLip inf_test.py, 12 frames)"
    return [Row("talklip", "–", "output max abs. difference (3 faces)", 0.0,
                float(np.abs(pred[exp["prediction_frames"]] - exp["prediction"]).max()), 1e-5, where),
            Row("talklip", "–", "pasted frames max grey-level difference", 0.0,
                float(frame_difference(out, exp).max()), 1.0, where)]
