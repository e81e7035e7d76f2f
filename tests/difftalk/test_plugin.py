"""The plugin registers its generator, trainer and weights entry through the entry point."""

from __future__ import annotations

import pytest

import talkbench
from talkbench.plugins import get_weight_specs


def test_hooks_register_difftalk():
    from talkbench_difftalk.generator import DiffTalkGenerator
    from talkbench_difftalk.trainer import DiffTalkTrainer

    assert talkbench.get_generator("difftalk") is DiffTalkGenerator
    assert talkbench.get_trainer("difftalk") is DiffTalkTrainer
    spec = get_weight_specs()["difftalk"]
    assert spec.urls == () and "never released" in spec.description
    assert DiffTalkGenerator.weights == ("difftalk",)
    assert {"tiny", "paper"} <= set(DiffTalkTrainer.presets) and DiffTalkTrainer.default_preset == "tiny"


def test_registered_weights_missing_is_one_line_with_the_fix():
    with pytest.raises(talkbench.WeightsMissingError) as err:
        talkbench.get_generator("difftalk")().load("cpu", None)
    msg = str(err.value)
    assert "\n" not in msg and "talkbench train --model difftalk" in msg and "--weights difftalk=PATH" in msg


def test_generator_defaults_follow_difftalk_inference():
    gen = talkbench.get_generator("difftalk")()
    assert gen.options["steps"] == 200 and gen.options["reference"] == "first"
    assert gen.options["ema"] is True and gen.options["inpaint"] is True
