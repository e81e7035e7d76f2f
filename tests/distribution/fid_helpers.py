"""A seeded random FID Inception state dict in pytorch-fid's file layout (no weights offline)."""

from __future__ import annotations

from pathlib import Path

import torch

from talkbench_distribution.inception import build_fid_inception

FILENAME = "pt_inception-2015-12-05-6726825d.pth"


def random_fid_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    net = build_fid_inception()
    g = torch.Generator().manual_seed(seed)
    state = {}
    for k, v in net.state_dict().items():
        if k.endswith("running_var"):
            v = 0.5 + torch.rand(v.shape, generator=g)  # positive, as trained statistics
        elif k.endswith("running_mean"):
            v = 0.1 * torch.randn(v.shape, generator=g)
        elif v.is_floating_point() and k.endswith("bias"):
            v = 0.1 * torch.randn(v.shape, generator=g)
        state[k] = v.clone()
    return state


def write_random_fid_weights(directory: Path, seed: int = 0) -> Path:
    path = Path(directory) / FILENAME
    torch.save(random_fid_state_dict(seed), path)
    return path
