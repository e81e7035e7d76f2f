"""talkbench_distribution: corpus distribution metrics, FID (and FVD), as metric plugins.

Both are corpus statistics (``AGG_CORPUS``): each clip's features are cached in its per-clip
result and ``aggregate`` fits the Gaussians and computes the Fréchet distance. Weights are
never downloaded: ``talkbench weights`` lists the files, URLs and where to put them::

    talkbench run --model wav2lip --dataset lrs2 --metrics fid \
        --weights fid-inception=pt_inception-2015-12-05-6726825d.pth
"""

from talkbench import hookimpl

from talkbench_distribution.weight_specs import SPECS


@hookimpl
def register_metrics(register):
    from talkbench_distribution.fid import FID

    from talkbench_distribution.fvd import FVD

    register(FID)
    register(FVD)


@hookimpl
def register_weights(register):
    for spec in SPECS:
        register(spec)
