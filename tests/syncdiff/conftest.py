"""Fixtures: a tiny SyncDiff trained for a few steps on the synthetic dataset (shared per module)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import SyntheticDataset, train_tiny  # noqa: E402



@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Path:
    """OUT/model of a 2-step tiny run (rnd+prv-, NP=1)."""
    return train_tiny(tmp_path_factory.mktemp("syncdiff_run"))


class _SyntheticPlugin:
    """Registers the synthetic dataset as a fake plugin (as a third-party package would)."""

    from talkbench import hookimpl as _hookimpl

    @staticmethod
    @_hookimpl
    def register_datasets(register):
        register(SyntheticDataset)


@pytest.fixture(scope="session")
def synthetic_registered():
    from talkbench.plugins import pm

    plugin = _SyntheticPlugin()
    pm.register(plugin, name="_syncdiff_tests")
    yield "synthetic"
    pm.unregister(plugin)
