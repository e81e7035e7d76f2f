"""talkbench_talklip: the TalkLip generator (pure PyTorch, official checkpoint layout, no fairseq).

``talkbench run --model talklip --dataset lrs2 [--option reference=same] [--checkpoint talklip_gc.pth]``

Builds on talkbench_wav2lip's public mouth-inpainting base and talkbench_avhubert's encoder.
Heavy code loads inside the hooks.
"""

from talkbench import hookimpl


@hookimpl
def register_generators(register):
    from talkbench_talklip.generator import TalkLipGenerator

    register(TalkLipGenerator)


@hookimpl
def register_weights(register):
    from talkbench_talklip.weights import WEIGHT_SPECS

    for spec in WEIGHT_SPECS:
        register(spec)
