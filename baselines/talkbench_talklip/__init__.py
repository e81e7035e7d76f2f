"""talkbench_talklip: the TalkLip generator (pure PyTorch, official checkpoint layout, no fairseq).

``talkbench run --model talklip --dataset lrs2 [--option reference=same] [--checkpoint talklip_gc.pth]``
"""

from talkbench import hookimpl

from .generator import TalkLipGenerator
from .weights import WEIGHT_SPECS


@hookimpl
def register_generators(register):
    register(TalkLipGenerator)


@hookimpl
def register_weights(register):
    for spec in WEIGHT_SPECS:
        register(spec)
