"""AV-HuBERT's video front-end: a 3D conv stem and a ResNet-18 trunk with PReLU.

Module names match the reference (``frontend3D.{0,1,2}``, ``trunk.layerN.M.{conv1,bn1,relu1,
conv2,bn2,relu2,downsample.{0,1}}``) so official state dicts load by name.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


def _act(kind: str, channels: int) -> nn.Module:
    if kind == "prelu":
        return nn.PReLU(num_parameters=channels)
    if kind == "relu":
        return nn.ReLU()
    raise ValueError(f"resnet_relu_type {kind!r} must be relu or prelu")


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int, relu_type: str) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = _act(relu_type, planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu2 = _act(relu_type, planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu2(out + residual)


class ResNetTrunk(nn.Module):
    def __init__(self, relu_type: str = "prelu") -> None:
        super().__init__()
        inplanes = 64
        for i, (planes, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], start=1):
            blocks = [BasicBlock(inplanes, planes, stride, relu_type),
                      BasicBlock(planes, planes, 1, relu_type)]
            setattr(self, f"layer{i}", nn.Sequential(*blocks))
            inplanes = planes
        self.avgpool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.avgpool(x).flatten(1)


#: frames per trunk call when several clips' front-ends run together on CPU (see forward_clips)
CPU_TRUNK_FRAMES = 128


class ResEncoder(nn.Module):
    """(B, 1, T, H, W) grey crops -> (B, 512, T)."""

    backend_out = 512

    def __init__(self, relu_type: str = "prelu") -> None:
        super().__init__()
        self.frontend3D = nn.Sequential(
            nn.Conv3d(1, 64, kernel_size=(5, 7, 7), stride=(1, 2, 2), padding=(2, 3, 3), bias=False),
            nn.BatchNorm3d(64),
            _act(relu_type, 64),
            nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)),
        )
        self.trunk = ResNetTrunk(relu_type)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B = x.shape[0]
        x = self.frontend3D(x)
        _, C, T, H, W = x.shape
        # every time step goes through the 2D trunk as its own image
        x = self.trunk(x.transpose(1, 2).reshape(B * T, C, H, W))
        return x.view(B, T, -1).transpose(1, 2).contiguous()

    def forward_clips(self, clips: Sequence[torch.Tensor], max_frames: int | None = None) -> list[torch.Tensor]:
        """``forward`` for several clips at once: each (B_i, 1, T_i, H, W), all of one H×W.

        The 3D stem runs per clip (its temporal zero padding stays at each clip's own ends), then
        the frames of all clips go through the per-frame trunk together, ``max_frames`` per call
        (a time step is its own image there, so which clip a frame came from does not matter).
        Returns (B_i, 512, T_i) per clip, as ``forward`` gives them (tests/avhubert check it).

        ``max_frames`` defaults to :data:`CPU_TRUNK_FRAMES` on CPU and all frames elsewhere: on
        CPU, one call over 455 frames (8 clips) measured 1.35× the time of 8 per-clip calls (its
        activations leave the cache) while 64–128 frames a call cost what per-clip calls cost, and
        16 frames a call 1.2× (so clips shorter than the chunk gain from being batched)."""
        stems = [self.frontend3D(x) for x in clips]
        _, C, _, H, W = stems[0].shape
        # every clip's time steps straight into one (frames, C, H, W) array: one copy, as per clip
        frames = stems[0].new_empty(sum(s.shape[0] * s.shape[2] for s in stems), C, H, W)
        at = 0
        for s in stems:
            n = s.shape[0] * s.shape[2]
            frames[at: at + n].view(s.shape[0], s.shape[2], C, H, W).copy_(s.transpose(1, 2))
            at += n
        if max_frames is None:
            max_frames = CPU_TRUNK_FRAMES if frames.device.type == "cpu" else frames.shape[0]
        feats = torch.cat([self.trunk(frames[i: i + max_frames])
                           for i in range(0, frames.shape[0], max(1, max_frames))])
        out, at = [], 0
        for s in stems:
            B, T = s.shape[0], s.shape[2]
            out.append(feats[at: at + B * T].view(B, T, -1).transpose(1, 2).contiguous())
            at += B * T
        return out
