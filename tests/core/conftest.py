"""Core tests: only the fake plugins are active (entry points off), counters reset per test."""

from __future__ import annotations

import pytest

from talkbench import plugins
from talkbench.weights import clear_weight_overrides
from . import fakes


@pytest.fixture
def fake_plugins(monkeypatch):
    monkeypatch.setenv("TALKBENCH_LOAD_PLUGINS", "")
    plugins.reset_plugins()
    plugin = fakes.FakePlugin()
    plugins.pm.register(plugin, name="_fakes")
    fakes.reset_counters()
    yield fakes
    plugins.pm.unregister(plugin, name="_fakes")
    plugins.reset_plugins()
    clear_weight_overrides()
