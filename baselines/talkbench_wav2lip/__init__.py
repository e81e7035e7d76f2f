"""talkbench_wav2lip: the Wav2Lip generator (pure PyTorch, official checkpoint layout).

``talkbench run --model wav2lip --dataset lrs2 [--option weights=wav2lip_gan] [--option reference=first]``
"""

from talkbench import hookimpl

from .generator import Wav2LipGenerator
from .weights import WEIGHT_SPECS


@hookimpl
def register_generators(register):
    register(Wav2LipGenerator)


@hookimpl
def register_weights(register):
    for spec in WEIGHT_SPECS:
        register(spec)
