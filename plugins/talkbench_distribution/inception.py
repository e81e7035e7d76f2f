"""FID's InceptionV3 (pytorch-fid 0.3.0's network) loaded from a local file, pool3 features.

The blocks are pytorch-fid's own (``FIDInceptionA/C/E_1/E_2`` patched into torchvision's
inception_v3), so the network is the reference one; only the weight loading is ours: the
state dict comes from the talkbench weights registry instead of a torch-hub download.
Input: N×3×H×W float in [0, 1]; ``resize=True`` does pytorch-fid's bilinear resize to 299
(``align_corners=False``, no antialias), then 2x − 1, then the blocks up to the final average
pool → N×2048.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from talkbench import MetricUnavailable, WeightsInvalidError, import_torchvision

FID_SIZE = 299


def _pytorch_fid_inception():
    import_torchvision()  # pytorch-fid imports torchvision; the shim must run first
    try:
        from pytorch_fid import inception
    except ImportError:
        raise MetricUnavailable("fid: pytorch-fid is not installed; pip install 'talkbench[fid]' "
                                "(or pip install pytorch-fid==0.3.0)") from None
    return inception


def build_fid_inception() -> nn.Module:
    """The un-initialised FID Inception (torchvision body, FID blocks), as pytorch-fid builds it."""
    inc = _pytorch_fid_inception()
    # no init: every parameter is overwritten by the state dict
    net = inc._inception_v3(num_classes=1008, aux_logits=False, weights=None, init_weights=False)
    net.Mixed_5b = inc.FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = inc.FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = inc.FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = inc.FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = inc.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = inc.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = inc.FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = inc.FIDInceptionE_1(1280)
    net.Mixed_7c = inc.FIDInceptionE_2(2048)
    return net


class FIDFeatures(nn.Module):
    """pool3 (2048-d) features of pytorch-fid's InceptionV3, block order as its ``InceptionV3``."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        n = net
        self.body = nn.Sequential(
            n.Conv2d_1a_3x3, n.Conv2d_2a_3x3, n.Conv2d_2b_3x3, nn.MaxPool2d(kernel_size=3, stride=2),
            n.Conv2d_3b_1x1, n.Conv2d_4a_3x3, nn.MaxPool2d(kernel_size=3, stride=2),
            n.Mixed_5b, n.Mixed_5c, n.Mixed_5d, n.Mixed_6a, n.Mixed_6b, n.Mixed_6c, n.Mixed_6d,
            n.Mixed_6e, n.Mixed_7a, n.Mixed_7b, n.Mixed_7c, nn.AdaptiveAvgPool2d(output_size=(1, 1)),
        )

    def forward(self, x: torch.Tensor, resize: bool = True) -> torch.Tensor:
        if resize:
            x = F.interpolate(x, size=(FID_SIZE, FID_SIZE), mode="bilinear", align_corners=False)
        x = 2 * x - 1
        return self.body(x).flatten(1)


def load_fid_features(path: str | Path) -> FIDFeatures:
    """FIDFeatures with the state dict at ``path`` (pytorch-fid's file layout), eval mode."""
    net = build_fid_inception()
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, ValueError) as exc:
        raise WeightsInvalidError(f"{path}: not a readable torch state dict ({exc}); download "
                                  "pt_inception-2015-12-05-6726825d.pth again") from None
    try:
        net.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as exc:
        first = str(exc).splitlines()[0]
        raise WeightsInvalidError(f"{path}: not pytorch-fid's FID Inception state dict ({first})") from None
    for p in net.parameters():
        p.requires_grad_(False)
    return FIDFeatures(net).eval()
