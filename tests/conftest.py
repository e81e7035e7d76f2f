"""Shared fixtures: paths to ../shared media and calibration, an isolated TALKBENCH_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
REALDATA = SHARED / "realdata"
CALIBRATION = SHARED / "calibration"


def pytest_configure(config):
    import torch

    # 2-core CI: one intra-op thread per test process keeps xdist workers from fighting.
    torch.set_num_threads(int(os.environ.get("TALKBENCH_TEST_THREADS", "1")))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared test media not found at {SHARED}; set TALKBENCH_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def realdata(shared_dir) -> Path:
    return shared_dir / "realdata"


@pytest.fixture(scope="session")
def calibration(shared_dir) -> Path:
    return shared_dir / "calibration"


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory):
    """Every test session gets its own TALKBENCH_HOME unless one is set explicitly.

    The demo dataset cache is shared across the session (it is deterministic).
    """
    if "TALKBENCH_HOME_FOR_TESTS" in os.environ:
        os.environ["TALKBENCH_HOME"] = os.environ["TALKBENCH_HOME_FOR_TESTS"]
    else:
        os.environ["TALKBENCH_HOME"] = str(tmp_path_factory.mktemp("talkbench_home"))
    yield
