"""First stage: the VQ-f4 autoencoder, trained on face crops with L1 + LPIPS + codebook loss.

LPIPS (the ``lpips`` package, AlexNet) needs torchvision's ImageNet AlexNet weights; offline
without them the stage trains on L1 + codebook only and records that in the run's warnings.
The adversarial term of VQGAN is not implemented (the issue makes it optional).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

import talkbench
from syncdiff_model.config import SyncDiffConfig
from syncdiff_model.data import PreparedClip
from syncdiff_model.faces import to_tensor_images, to_uint8_images


def perceptual_loss(weight: float, pretrained: bool = True):
    """(loss module or None, warning or None)."""
    if weight <= 0:
        return None, None
    talkbench.import_torchvision()
    import lpips

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = lpips.LPIPS(net="alex", pretrained=pretrained, verbose=False)
    except (OSError, RuntimeError, ValueError) as exc:  # offline: AlexNet weights cannot be fetched
        msg = f"LPIPS unavailable ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); AE trained with L1 + codebook only"
        return None, msg
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval(), None


class AEObjective:
    """Seeded crops → reconstruction loss of the VQ model."""

    def __init__(self, clips: list[PreparedClip], config: SyncDiffConfig, seed: int, perceptual) -> None:
        self.frames = np.concatenate([c.crops for c in clips])
        self.config, self.seed, self.perceptual = config, seed, perceptual

    def images(self, micro_step: int, rank: int, n: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(hash((self.seed, micro_step, rank, 7)) & 0x7FFFFFFF)
        picks = torch.randint(len(self.frames), (n,), generator=g).numpy()
        return to_tensor_images(self.frames[picks])

    def __call__(self, vq, micro_step: int, rank: int) -> tuple[torch.Tensor, str]:
        x = self.images(micro_step, rank, self.config.batch_size).to(_device_of(vq))
        out = vq(x)
        rec, codebook = out.sample, out.commit_loss.mean()
        loss = (rec - x).abs().mean() + self.config.codebook_weight * codebook
        if self.perceptual is not None:
            loss = loss + self.config.lpips_weight * self.perceptual.to(x.device)(rec, x).mean()
        return loss, f"{len(x)} random crops at micro-step {micro_step}"

    def preview(self, vq, step: int) -> list:
        x = self.images(-1, 0, 6).to(_device_of(vq))
        with torch.no_grad():
            rec = vq(x).sample
        return [to_uint8_images(x), to_uint8_images(rec)]


def _device_of(module) -> torch.device:
    return next(module.parameters()).device
