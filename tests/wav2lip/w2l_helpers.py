"""Test helpers: seeded random Wav2Lip checkpoints in the official layout, synthetic clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from talkbench import Clip
from talkbench_wav2lip.network import Wav2Lip


def write_seeded_wav2lip(path: Path, seed: int = 0, *, module_prefix: bool = False) -> Path:
    """torch.save({"state_dict": ...}) of a seeded Wav2Lip, as the official training script writes it.

    BatchNorm statistics are randomised too so that eval-mode BN is not the identity.
    """
    torch.manual_seed(seed)
    model = Wav2Lip()
    gen = torch.Generator().manual_seed(seed + 1)
    for mod in model.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            c = mod.num_features
            mod.running_mean.copy_(0.1 * torch.randn(c, generator=gen))
            mod.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
    sd = model.state_dict()
    if module_prefix:  # DataParallel checkpoints
        sd = {f"module.{k}": v for k, v in sd.items()}
    torch.save({"state_dict": sd, "global_step": 0}, path)
    return path


def synthetic_clip(n: int = 6, h: int = 64, w: int = 80, seed: int = 0) -> Clip:
    """A small clip with a face box in meta (as demo clips carry) and 16 kHz noise audio."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 256, size=(n, h, w, 3), dtype=np.uint8)
    boxes = np.tile(np.array([[20, 8, 60, 44]], dtype=np.float32), (n, 1))
    boxes[:, 0] += np.arange(n, dtype=np.float32)  # a moving face exercises the smoothing
    audio = (0.1 * rng.standard_normal(int(n / 25 * 16000))).astype(np.float32)
    return Clip(id=f"synthetic{seed}", frames_source=frames, audio_source=audio, meta={"boxes": boxes})
