"""A default-size demo build shared by the demo tests."""

from __future__ import annotations

import pytest

from talkbench.builtins.demo_build import DemoConfig, ensure_built


@pytest.fixture(scope="session")
def demo_build():
    """The default-config demo, built once in the test session's home (test_default_build_time
    times a build of its own)."""
    return ensure_built(DemoConfig(), progress=False)


@pytest.fixture(scope="session")
def demo(demo_build):
    import talkbench

    return talkbench.get_dataset("demo")()
