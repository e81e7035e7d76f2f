"""Shared by the trust tests: a fixture with the fakes plus the built-in folder dataset and gt
generator, a metric whose key parts tests can change, and a small video writer."""

from __future__ import annotations

import numpy as np
import pytest

from talkbench import Metric, Option, hookimpl, plugins
from talkbench.io import write_video
from talkbench.weights import clear_weight_overrides

from . import fakes


def write_clip(path, idx: int, t: int = 12, size: int = 64):
    audio = (np.sin(np.arange(t * 640) / (5.0 + idx)) * 0.2).astype(np.float32)
    write_video(path, fakes.make_frames(idx, t, size), fps=25.0, audio=audio, sample_rate=16000)
    return path


class Knobbed(Metric):
    """A metric with a speed knob (not in the key) and weights reported by weight_records()."""

    name = "knobbed"
    options = (Option("chunk", int, 4, "frames per step", affects_output=False),
               Option("offset", float, 0.0, "added to the value"))
    SHA = "a" * 64

    def weight_records(self):
        return [{"name": "knobnet", "path": "/x/knobnet.pt", "sha256": Knobbed.SHA, "override": True}]

    def compute(self, generated, reference):
        fakes.SCORED[("knobbed", generated.id)] += 1
        return {"value": 1.0 + self.options["offset"], "n": 1}


class _KnobPlugin:
    @hookimpl
    def register_metrics(self, register):
        register(Knobbed)


@pytest.fixture
def with_folder(monkeypatch):
    """Fakes plus the built-in datasets (folder) and generators (gt), no other plugin."""
    monkeypatch.setenv("TALKBENCH_LOAD_PLUGINS", "builtins,datasets")
    plugins.reset_plugins()
    regs = [(fakes.FakePlugin(), "_fakes"), (_KnobPlugin(), "_knob")]
    for p, name in regs:
        plugins.pm.register(p, name=name)
    fakes.reset_counters()
    yield fakes
    for p, name in regs:
        plugins.pm.unregister(p, name=name)
    plugins.reset_plugins()
    clear_weight_overrides()
