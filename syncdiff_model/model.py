"""The SyncDiff network: VQ-f4 autoencoder, pose bottleneck, audio conditioner, conditional UNet.

UNet input = concat(z_noisy, E(masked), [E(identity)], [BN(E(pose_1)) … BN(E(pose_NP))]):
10 channels for the paper's rnd+prv- with NP=1. ``prv`` feeds the pose latents unsqueezed
(3 channels each): the configuration whose copy shortcut the bottleneck removes.
"""

from __future__ import annotations

import torch
from torch import nn

import talkbench

talkbench.import_torchvision()
from diffusers import UNet2DConditionModel, VQModel  # noqa: E402

from syncdiff_model.audio import AudioConditioner  # noqa: E402
from syncdiff_model.config import LATENT_CHANNELS, SyncDiffConfig  # noqa: E402


def build_vq(config: SyncDiffConfig) -> VQModel:
    vq = config.vq
    n = len(vq.block_out_channels)
    return VQModel(
        in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * n, up_block_types=("UpDecoderBlock2D",) * n,
        block_out_channels=tuple(vq.block_out_channels), layers_per_block=vq.layers_per_block,
        latent_channels=LATENT_CHANNELS, vq_embed_dim=LATENT_CHANNELS,
        num_vq_embeddings=vq.num_vq_embeddings, norm_num_groups=vq.norm_num_groups,
        sample_size=config.image_size, scaling_factor=1.0,  # LDM's VQ-f4 uses scale 1.0
    )


def build_unet(config: SyncDiffConfig, cross_dim: int) -> UNet2DConditionModel:
    u = config.unet
    levels = range(len(u.block_out_channels))
    attn = set(u.attention_levels)
    down = tuple("CrossAttnDownBlock2D" if i in attn else "DownBlock2D" for i in levels)
    up = tuple("CrossAttnUpBlock2D" if i in attn else "UpBlock2D" for i in reversed(levels))
    # diffusers' `attention_head_dim` is the number of heads; LDM fixes the head width instead
    heads = tuple(max(1, c // u.head_channels) for c in u.block_out_channels)
    return UNet2DConditionModel(
        sample_size=config.latent_size, in_channels=config.unet_in_channels,
        out_channels=LATENT_CHANNELS, down_block_types=down, up_block_types=up,
        block_out_channels=tuple(u.block_out_channels), layers_per_block=u.layers_per_block,
        norm_num_groups=u.norm_num_groups, cross_attention_dim=cross_dim,
        attention_head_dim=heads,
    )


class SyncDiffModel(nn.Module):
    def __init__(self, config: SyncDiffConfig) -> None:
        super().__init__()
        self.config = config
        self.vq = build_vq(config)
        self.audio = AudioConditioner(config)
        # the paper's BN: one 1×1 conv 3→1 per pose frame
        self.bottleneck = nn.ModuleList(
            nn.Conv2d(LATENT_CHANNELS, 1, kernel_size=1) for _ in range(config.num_prev)
        ) if config.bottleneck else nn.ModuleList()
        self.unet = build_unet(config, self.audio.dim)

    # -- first stage -----------------------------------------------------------------------
    @property
    def latent_scale(self) -> float:
        return 1.0 if self.config.latent_scale is None else float(self.config.latent_scale)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, S, S) in [-1, 1] → pre-quantisation latents (N, 3, S/4, S/4) × latent_scale.

        Unscaled, a VQ trained from scratch gives latents of std ~0.3: the signal is buried in
        the noise for most of the 1000 steps and a low ε-loss says little about z_0 (LDM's
        scale_by_std fixes exactly that).
        """
        return self.vq.encode(images).latents * self.latent_scale

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        return self.vq.decode(latents / self.latent_scale).sample

    # -- priors ----------------------------------------------------------------------------
    def priors(self, masked: torch.Tensor, identity: torch.Tensor | None,
               pose: torch.Tensor | None) -> torch.Tensor:
        """Latents of the priors → the conditioning channels E_v (B, C_in − 3, h, w).

        ``pose`` is (B, NP, 3, h, w), most recent frame first.
        """
        cfg = self.config
        parts = [masked]
        if cfg.uses_identity:
            parts.append(identity)
        if cfg.uses_pose:
            if pose is None or pose.shape[1] != cfg.num_prev:
                raise ValueError(f"need {cfg.num_prev} pose latents, got {None if pose is None else pose.shape[1]}")
            if cfg.bottleneck:
                parts += [bn(pose[:, k]) for k, bn in enumerate(self.bottleneck)]
            else:
                parts += [pose[:, k] for k in range(cfg.num_prev)]
        return torch.cat(parts, dim=1)

    def eps(self, noisy: torch.Tensor, timesteps: torch.Tensor, priors: torch.Tensor,
            context: torch.Tensor) -> torch.Tensor:
        return self.unet(torch.cat([noisy, priors], dim=1), timesteps, encoder_hidden_states=context).sample

    def encode_priors(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Frozen first stage: target latent z_0 and the prior latents, from image tensors."""
        cfg = self.config
        b = batch["target"].shape[0]
        images = [batch["target"], batch["masked"]]
        if cfg.uses_identity:
            images.append(batch["identity"])
        if cfg.uses_pose:
            images.append(batch["pose"].flatten(0, 1))
        with torch.no_grad():
            lat = self.encode(torch.cat(images, dim=0))
        z0, masked = lat[:b], lat[b:2 * b]
        rest = lat[2 * b:]
        identity = None
        if cfg.uses_identity:
            identity, rest = rest[:b], rest[b:]
        pose = rest.reshape(b, cfg.num_prev, *rest.shape[1:]) if cfg.uses_pose else None
        return z0, self.priors(masked, identity, pose)

    def audio_context(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        seq = self.audio.sequence(batch["audio"], batch["audio_len"])
        return self.audio.context(seq, batch["audio_len"], batch["frame"])

    def forward(self, batch: dict[str, torch.Tensor], noise: torch.Tensor,
                timesteps: torch.Tensor, scheduler) -> torch.Tensor:
        """The training loss ||ε − M(z_d, d, E_v, E_a)||² for one batch (ε-prediction)."""
        z0, priors = self.encode_priors(batch)
        noisy = scheduler.add_noise(z0, noise, timesteps)
        pred = self.eps(noisy, timesteps, priors, self.audio_context(batch))
        return torch.nn.functional.mse_loss(pred.float(), noise.float())


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
