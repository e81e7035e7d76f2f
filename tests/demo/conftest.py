"""A default-size demo build shared by the demo tests (timed once: the build-time test uses it)."""

from __future__ import annotations

import time

import pytest

from talkbench.builtins.demo_build import DemoConfig, cache_dir, ensure_built


@pytest.fixture(scope="session")
def demo_build():
    """(directory, CPU seconds it took) for the default config, built fresh in the test home.

    CPU time (all threads of this process, x264's included) rather than wall time: the test
    machine is shared, and wall time measures the neighbours' load, not the build.
    """
    cfg = DemoConfig()
    already = (cache_dir(cfg) / "manifest.json").is_file()
    t0 = time.process_time()
    root = ensure_built(cfg, progress=False)
    return root, (None if already else time.process_time() - t0)


@pytest.fixture(scope="session")
def demo(demo_build):
    import talkbench

    return talkbench.get_dataset("demo")()
