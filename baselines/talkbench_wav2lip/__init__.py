"""talkbench_wav2lip: the Wav2Lip generator (pure PyTorch, official checkpoint layout).

``talkbench run --model wav2lip --dataset lrs2 [--option weights=wav2lip_gan] [--option reference=first]``

Public modules for other plugins (TalkLip builds on them): ``inpainting`` (the mouth-inpainting
generator base: crop → batch → paste), ``crop``, ``boxes``, ``network.load_into`` and
``weights.read_checkpoint``. Heavy code (torch, cv2) loads inside the hooks, so that
``talkbench --help`` and ``talkbench plugins`` do not pay for it.
"""

from talkbench import hookimpl


@hookimpl
def register_generators(register):
    from talkbench_wav2lip.generator import Wav2LipGenerator

    register(Wav2LipGenerator)


@hookimpl
def register_weights(register):
    from talkbench_wav2lip.weights import WEIGHT_SPECS

    for spec in WEIGHT_SPECS:
        register(spec)
