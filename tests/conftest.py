"""Shared fixtures: paths to ../shared media and calibration, an isolated TALKBENCH_HOME.

The shared real-media set (real clips, calibration fixtures, paper notes) is not part of the
repository. On a fresh clone without it, every test that needs it (through the `shared_dir`,
`realdata` or `calibration` fixtures, directly or via another fixture) is skipped at collection
time and the run ends with one line saying how many and how to enable them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TALKBENCH_SHARED", REPO.parent / "shared"))
REALDATA = SHARED / "realdata"
CALIBRATION = SHARED / "calibration"
SHARED_FIXTURES = ("shared_dir", "realdata", "calibration")
# The skip reason doubles as the tag the summary line counts (xdist: reports reach the controller).
SKIP_REASON = f"needs the shared test media (not found at {SHARED})"


def pytest_configure(config):
    import torch

    # 2-core CI: one intra-op thread per test process keeps xdist workers from fighting.
    torch.set_num_threads(int(os.environ.get("TALKBENCH_TEST_THREADS", "1")))


def pytest_collection_modifyitems(config, items):
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        # fixturenames is the transitive closure, so fixtures built on `calibration` count too.
        if any(name in getattr(item, "fixturenames", ()) for name in SHARED_FIXTURES):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    n = sum(1 for rep in terminalreporter.stats.get("skipped", ())
            if SKIP_REASON in str(getattr(rep, "longrepr", "")))
    if n:
        terminalreporter.write_line(
            f"{n} tests skipped: they need the shared test media (real clips, calibration "
            f"fixtures), not found at {SHARED}; to run them set TALKBENCH_SHARED=DIR or place "
            "shared/ beside the repository (README.md, \"Set up\")", yellow=True)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():  # only reached by a test the collection hook could not see
        pytest.skip(SKIP_REASON)
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


@pytest.fixture
def blake2b_calls(monkeypatch) -> list:
    """Counts hashlib.blake2b constructions (Clip.content_key hashes with it): the list grows by
    one per hash started, for tests that a clip's frames are hashed once, or not at all."""
    import hashlib

    calls: list = []
    real = hashlib.blake2b

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "blake2b", counting)
    return calls
