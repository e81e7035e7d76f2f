"""syncdiff_model: the SyncDiff model as a talkbench plugin (WACV 2025, arXiv 2503.13371).

Registers the generators ``syncdiff`` and ``syncdiff-ae`` (GT-Rec), the trainer ``syncdiff``
and the ``analyze latent-variance`` command. Heavy modules (diffusers, accelerate) load only
when a model is built, so `talkbench --help` stays fast.

    talkbench train --model syncdiff --dataset demo --preset tiny --out runs/syncdiff
    talkbench run --model syncdiff --dataset demo --checkpoint runs/syncdiff/model
"""

from __future__ import annotations

import importlib
from typing import Any

from talkbench import hookimpl

_LAZY = {"SyncDiffGenerator": "generator", "SyncDiffAEGenerator": "generator",
         "SyncDiffTrainer": "talkbench_trainer"}

__all__ = ["SyncDiffAEGenerator", "SyncDiffGenerator", "SyncDiffTrainer"]


def __getattr__(name: str) -> Any:
    """The public classes load on first use (PEP 562): importing the plugin stays cheap."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"syncdiff_model.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'syncdiff_model' has no attribute {name!r}")


@hookimpl
def register_generators(register):
    from syncdiff_model.generator import SyncDiffAEGenerator, SyncDiffGenerator

    register(SyncDiffGenerator)
    register(SyncDiffAEGenerator)


@hookimpl
def register_trainers(register):
    from syncdiff_model.talkbench_trainer import SyncDiffTrainer

    register(SyncDiffTrainer)


@hookimpl
def register_commands(cli):
    from syncdiff_model.analyze import analyze_group

    cli.add_command(analyze_group)


@hookimpl
def register_protocols(register):
    from syncdiff_model.protocol_table1 import table1_protocol

    register(table1_protocol())
