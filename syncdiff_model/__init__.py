"""syncdiff_model: the SyncDiff model as a talkbench plugin (WACV 2025, arXiv 2503.13371).

Registers the generators ``syncdiff`` and ``syncdiff-ae`` (GT-Rec), the trainer ``syncdiff``
and the ``analyze latent-variance`` command. Heavy modules (diffusers, accelerate) load only
when a model is built, so `talkbench --help` stays fast.

    talkbench train --model syncdiff --dataset demo --preset tiny --out runs/syncdiff
    talkbench run --model syncdiff --dataset demo --checkpoint runs/syncdiff/model
"""

from __future__ import annotations

from talkbench import hookimpl
from syncdiff_model.generator import SyncDiffAEGenerator, SyncDiffGenerator
from syncdiff_model.trainer import SyncDiffTrainer

__all__ = ["SyncDiffAEGenerator", "SyncDiffGenerator", "SyncDiffTrainer"]


@hookimpl
def register_generators(register):
    register(SyncDiffGenerator)
    register(SyncDiffAEGenerator)


@hookimpl
def register_trainers(register):
    register(SyncDiffTrainer)


@hookimpl
def register_commands(cli):
    from syncdiff_model.analyze import analyze_group

    cli.add_command(analyze_group)
