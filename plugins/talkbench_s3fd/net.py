"""S3FD (Zhang et al. 2017) in plain PyTorch, in both shapes the reference code runs it.

The two public weight files are the same VGG-16 + multibox network with two key layouts, and
the two codebases that run them differ in two layers (which changes the feature-map sizes, so
the anchors too):

==================  =====================================  ==================================
                    syncnet_python (``sfd_face.pth``)      face-alignment / Wav2Lip / TalkLip
==================  =====================================  ==================================
keys                ``vgg.N``, ``L2Norm3_3``, ``extras.N``, ``conv1_1``…``fc7``,
                    ``loc.N``, ``conf.N``                  ``conv3_3_norm``, ``*_mbox_loc``
fc6                 3×3, dilation 6, padding 6             3×3, no dilation, padding 3
pool after conv3_3  ceil mode                              floor mode
==================  =====================================  ==================================

``arch`` picks the layer shapes (``"syncnet_python"`` or ``"face_alignment"``); either key layout
loads into either arch (``canonical_state_dict``). The forward pass returns the twelve raw head
outputs (cls1, reg1, …, cls6, reg6) with the first head's three background maps already
maxed out, as both references do; softmax and decoding are in ``decode.py``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

ARCHS = ("syncnet_python", "face_alignment")

#: VGG-16 body: (name, in, out) of each 3×3 conv; a max-pool follows the last conv of a block
_BODY = (
    ("conv1_1", 3, 64), ("conv1_2", 64, 64),
    ("conv2_1", 64, 128), ("conv2_2", 128, 128),
    ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256),
    ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512),
    ("conv5_1", 512, 512), ("conv5_2", 512, 512), ("conv5_3", 512, 512),
)
_POOL_AFTER = ("conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3")
#: the six detection sources, in output order, with their channel counts
SOURCES = (("conv3_3_norm", 256), ("conv4_3_norm", 512), ("conv5_3_norm", 512),
           ("fc7", 1024), ("conv6_2", 512), ("conv7_2", 256))
#: the L2 normalisations' initial scales (overwritten by the weights)
_NORM_SCALES = {"conv3_3_norm": 10.0, "conv4_3_norm": 8.0, "conv5_3_norm": 5.0}


class L2Norm(nn.Module):
    """Channel-wise L2 normalisation with a learned per-channel scale (as ParseNet)."""

    def __init__(self, channels: int, scale: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), float(scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norm = x.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10
        return x / norm * self.weight.view(1, -1, 1, 1)


class S3FDNet(nn.Module):
    def __init__(self, arch: str = "face_alignment") -> None:
        super().__init__()
        if arch not in ARCHS:
            raise ValueError(f"S3FD arch {arch!r}: use one of {', '.join(ARCHS)}")
        self.arch = arch
        for name, cin, cout in _BODY:
            setattr(self, name, nn.Conv2d(cin, cout, 3, 1, 1))
        if arch == "syncnet_python":
            self.fc6 = nn.Conv2d(512, 1024, 3, 1, padding=6, dilation=6)
        else:
            self.fc6 = nn.Conv2d(512, 1024, 3, 1, padding=3)
        self.fc7 = nn.Conv2d(1024, 1024, 1)
        self.conv6_1 = nn.Conv2d(1024, 256, 1)
        self.conv6_2 = nn.Conv2d(256, 512, 3, 2, 1)
        self.conv7_1 = nn.Conv2d(512, 128, 1)
        self.conv7_2 = nn.Conv2d(128, 256, 3, 2, 1)
        for name, scale in _NORM_SCALES.items():
            setattr(self, name, L2Norm(dict(SOURCES)[name], scale))
        for i, (src, ch) in enumerate(SOURCES):
            # the first head predicts 3 background maps + 1 face map ("max-out" background)
            setattr(self, f"{src}_mbox_conf", nn.Conv2d(ch, 4 if i == 0 else 2, 3, 1, 1))
            setattr(self, f"{src}_mbox_loc", nn.Conv2d(ch, 4, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = {}
        h = x
        for name, _, _ in _BODY:
            h = F.relu(getattr(self, name)(h))
            if name in ("conv3_3", "conv4_3", "conv5_3"):
                feats[name] = h
            if name in _POOL_AFTER:
                ceil = self.arch == "syncnet_python" and name == "conv3_3"
                h = F.max_pool2d(h, 2, 2, ceil_mode=ceil)
        h = F.relu(self.fc7(F.relu(self.fc6(h))))
        feats["fc7"] = h
        h = F.relu(self.conv6_2(F.relu(self.conv6_1(h))))
        feats["conv6_2"] = h
        h = F.relu(self.conv7_2(F.relu(self.conv7_1(h))))
        feats["conv7_2"] = h
        for name in _NORM_SCALES:
            feats[name] = getattr(self, name)(feats[name.replace("_norm", "")])
        out = []
        for i, (src, _) in enumerate(SOURCES):
            cls = getattr(self, f"{src}_mbox_conf")(feats[src])
            reg = getattr(self, f"{src}_mbox_loc")(feats[src])
            if i == 0:
                bg = torch.max(torch.max(cls[:, 0:1], cls[:, 1:2]), cls[:, 2:3])
                cls = torch.cat([bg, cls[:, 3:4]], dim=1)
            out += [cls, reg]
        return out


# syncnet_python's layout: the VGG body is one ModuleList (ReLUs and pools hold indices too)
_VGG_INDEX = {0: "conv1_1", 2: "conv1_2", 5: "conv2_1", 7: "conv2_2", 10: "conv3_1", 12: "conv3_2",
              14: "conv3_3", 17: "conv4_1", 19: "conv4_2", 21: "conv4_3", 24: "conv5_1", 26: "conv5_2",
              28: "conv5_3", 31: "fc6", 33: "fc7"}
_EXTRAS_INDEX = {0: "conv6_1", 1: "conv6_2", 2: "conv7_1", 3: "conv7_2"}
_NORMS = {"L2Norm3_3": "conv3_3_norm", "L2Norm4_3": "conv4_3_norm", "L2Norm5_3": "conv5_3_norm"}


def syncnet_python_key(key: str) -> str:
    """The face-alignment-style name of a syncnet_python ``sfd_face.pth`` key."""
    head, _, rest = key.partition(".")
    if head in _NORMS:
        return f"{_NORMS[head]}.{rest}"
    idx, _, param = rest.partition(".")
    if head == "vgg" and int(idx) in _VGG_INDEX:
        return f"{_VGG_INDEX[int(idx)]}.{param}"
    if head == "extras" and int(idx) in _EXTRAS_INDEX:
        return f"{_EXTRAS_INDEX[int(idx)]}.{param}"
    if head in ("loc", "conf") and 0 <= int(idx) < len(SOURCES):
        return f"{SOURCES[int(idx)][0]}_mbox_{head}.{param}"
    raise KeyError(key)


def to_syncnet_python_layout(state: dict) -> dict:
    """The inverse of ``syncnet_python_key`` over a whole state dict (for tests and fixtures)."""
    inverse = {v: f"vgg.{k}" for k, v in _VGG_INDEX.items()}
    inverse |= {v: f"extras.{k}" for k, v in _EXTRAS_INDEX.items()}
    inverse |= {v: k for k, v in _NORMS.items()}
    for i, (src, _) in enumerate(SOURCES):
        inverse[f"{src}_mbox_loc"], inverse[f"{src}_mbox_conf"] = f"loc.{i}", f"conf.{i}"
    out = {}
    for key, value in state.items():
        module, _, param = key.rpartition(".")
        out[f"{inverse[module]}.{param}"] = value
    return out


def key_layout(state: dict) -> str:
    """"syncnet_python" or "face_alignment" from the keys of a checkpoint."""
    keys = set(state)
    if "vgg.0.weight" in keys and "L2Norm3_3.weight" in keys:
        return "syncnet_python"
    if "conv1_1.weight" in keys and "conv3_3_norm.weight" in keys:
        return "face_alignment"
    raise KeyError("neither syncnet_python's (vgg.0.weight, L2Norm3_3.weight) nor face-alignment's "
                   "(conv1_1.weight, conv3_3_norm.weight) S3FD keys")


def canonical_state_dict(state: dict) -> dict:
    """A checkpoint in either layout, with this module's (face-alignment's) key names."""
    if key_layout(state) == "syncnet_python":
        return {syncnet_python_key(k): v for k, v in state.items()}
    return dict(state)
