"""Fixtures for the reporting tests (the record factory lives in reports_fakes.py)."""

from __future__ import annotations

import pytest

from reports_fakes import make_record


@pytest.fixture
def table1_records():
    return [
        make_record("gt", "lrs2", {"psnr": 45.0, "ssim": 1.0, "lpips": 0.0, "lse_c": 8.2, "lse_d": 6.3}),
        make_record("static", "lrs2", {"psnr": 28.0, "ssim": 0.80, "lpips": 0.10, "lse_c": 1.0, "lse_d": 12.0}),
        make_record("wav2lip", "lrs2", {"psnr": 31.0, "ssim": 0.86, "lpips": 0.08, "lse_c": 7.9, "lse_d": 6.6}),
        make_record("syncdiff", "lrs2", {"psnr": 32.4, "ssim": 0.87, "lpips": 0.05, "lse_c": 7.8, "lse_d": 6.5},
                    unavailable=()),
        make_record("wav2lip", "lrs3", {"psnr": 30.0, "ssim": 0.84, "lse_c": 8.0, "lse_d": 6.7},
                    unavailable=("lpips",)),
        make_record("syncdiff", "lrs3", {"psnr": 32.0, "ssim": 0.85, "lpips": 0.06, "lse_c": 6.8, "lse_d": 7.6}),
    ]
