"""make_accelerator: two trainings with different precision in one process (tests, sweeps)."""

from __future__ import annotations

import pytest

from talkbench import make_accelerator


def test_second_accelerator_with_other_precision_is_allowed(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    first = make_accelerator(cpu=True, mixed_precision="bf16")
    assert first.mixed_precision == "bf16"
    second = make_accelerator(cpu=True, mixed_precision="no")
    assert second.mixed_precision == "no"


def test_state_is_never_reset_under_a_launcher(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    make_accelerator(cpu=True, mixed_precision="no")
    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun sets it: the shared state must survive
    with pytest.raises(ValueError, match="already been initialized"):
        make_accelerator(cpu=True, mixed_precision="bf16")
    monkeypatch.delenv("WORLD_SIZE")
    make_accelerator(cpu=True, mixed_precision="no")  # leave a clean state for later tests
