"""talkbench_syncnet: LSE-C / LSE-D (SyncNet) metrics and SyncNet training.

Registered through the ``talkbench`` entry point. Public pieces for other plugins:
``talkbench_syncnet.model`` (SyncNet, SyncNetConfig, load_syncnet), ``scoring.score_arrays``.
"""

from talkbench import WeightSpec, hookimpl

SYNCNET_WEIGHTS = WeightSpec(
    name="syncnet",
    filename="syncnet_v2.model",
    urls=("http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model",),
    sha256=None,  # not published by the authors; the run record stores the sha256 of the file used
    description="SyncNet (Chung & Zisserman 2016) as used by syncnet_python and Wav2Lip's LSE-C/LSE-D",
    license="see joonson/syncnet_python (research use)",
)


@hookimpl
def register_metrics(register):
    from talkbench_syncnet.metric import LSEC, LSED

    register(LSEC)
    register(LSED)


@hookimpl
def register_weights(register):
    from talkbench_syncnet.demo_net import demo_weight_spec

    register(SYNCNET_WEIGHTS)
    register(demo_weight_spec())  # listed by `talkbench weights` (shipped or trained on first use)


@hookimpl
def register_trainers(register):
    from talkbench_syncnet.train import SyncNetTrainer

    register(SyncNetTrainer)


@hookimpl
def register_protocols(register):
    from talkbench_syncnet.protocols import PROTOCOLS

    for protocol in PROTOCOLS:
        register(protocol)
