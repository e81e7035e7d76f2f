"""A default-size demo build shared by the demo tests (timed once: the build-time test uses it)."""

from __future__ import annotations

import time

import pytest

from talkbench.builtins.demo_build import DemoConfig, cache_dir, ensure_built


@pytest.fixture(scope="session")
def demo_build():
    """(directory, seconds it took) for the default config, built fresh in the test home."""
    cfg = DemoConfig()
    already = (cache_dir(cfg) / "manifest.json").is_file()
    t0 = time.perf_counter()
    root = ensure_built(cfg, progress=False)
    return root, (None if already else time.perf_counter() - t0)


@pytest.fixture(scope="session")
def demo(demo_build):
    import talkbench

    return talkbench.get_dataset("demo")()
