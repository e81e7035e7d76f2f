"""talkbench_difftalk: the DiffTalk baseline (Shen et al., CVPR 2023) on diffusers parts.

Registers the ``difftalk`` generator, trainer and weights entry. Public helpers:
``DiffTalkModel`` (model.py), ``load_difftalk_checkpoint`` (convert.py, CompVis/Lightning
layout), ``ddim_sample`` (schedule.py), presets in config.py.
"""

from talkbench import hookimpl


@hookimpl
def register_generators(register):
    from talkbench_difftalk.generator import DiffTalkGenerator

    register(DiffTalkGenerator)


@hookimpl
def register_trainers(register):
    from talkbench_difftalk.trainer import DiffTalkTrainer

    register(DiffTalkTrainer)


@hookimpl
def register_weights(register):
    from talkbench_difftalk.loading import WEIGHT_SPEC

    register(WEIGHT_SPEC)
