"""Registered weights of the distribution metrics (FID's InceptionV3, FVD's I3D).

Nothing is downloaded implicitly: ``talkbench weights`` lists these, ``--weights NAME=PATH``
points at a local copy, and pytorch-fid's own torch-hub copy is found where it puts it.
"""

from __future__ import annotations

from pathlib import Path

from talkbench import WeightSpec

FID_INCEPTION = "fid-inception"
FVD_I3D = "fvd-i3d"

_HUB = Path("~/.cache/torch/hub/checkpoints")

SPECS = (
    WeightSpec(
        FID_INCEPTION, "pt_inception-2015-12-05-6726825d.pth",
        ("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
         "pt_inception-2015-12-05-6726825d.pth",),
        # pytorch-fid publishes only the torch-hub hash prefix (6726825d, in the file name);
        # the run record stores the full sha256 of the file used.
        sha256=None,
        description="InceptionV3 of TF's FID (inception-2015-12-05) ported by pytorch-fid 0.3.0; "
                    "pool3 2048-d features (sha256 prefix 6726825d)",
        license="Apache-2.0 (mseitzer/pytorch-fid; TF Inception weights)",
        also_at=(str(_HUB / "pt_inception-2015-12-05-6726825d.pth"),),
    ),
    WeightSpec(
        FVD_I3D, "i3d_torchscript.pt",
        ("https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1",),
        sha256=None,
        description="I3D (Kinetics-400) as TorchScript, the FVD feature net of StyleGAN-V / "
                    "LatentSync eval/fvd.py (400-d pre-softmax features; detector_kwargs "
                    "rescale=False, resize=False, return_features=True)",
        license="Apache-2.0 (universome/stylegan-v; I3D weights by DeepMind)",
    ),
)
