"""The DiffTalk latent diffusion model assembled from diffusers parts.

* UNet: ``diffusers.UNet2DConditionModel`` configured to equal LDM's openaimodel UNetModel
  with SpatialTransformer (9 input channels: noisy, masked, reference latents).
* First stage: ``diffusers.VQModel`` (VQ-f4). Conditioning latents are PRE-quant; decoding
  quantises unless told not to (as DiffTalk's VQModelInterface).
* Conditioning: AudioNet + AudioAttNet + LdmNet -> one 128-d cross-attention token.
* ``ema_unet``: the EMA copy that inference uses (DiffTalk's ``ema_scope``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import torch
from torch import nn

from talkbench_difftalk._diffusers import diffusers
from talkbench_difftalk.conditioning import DiffTalkConditioner
from talkbench_difftalk.config import DiffTalkConfig


def build_unet(cfg: DiffTalkConfig):
    UNet2DConditionModel = diffusers().UNet2DConditionModel

    u = cfg.unet
    levels = len(u.channel_mult)
    attn = [2 ** i in u.attention_resolutions for i in range(levels)]
    channels = tuple(u.model_channels * m for m in u.channel_mult)
    # diffusers reads `attention_head_dim` as the head COUNT (historical naming), so pass
    # channels // per-head width; LDM's num_head_channels is the width.
    heads = tuple(max(c // u.num_head_channels, 1) for c in channels)
    if cfg.cond.dim_aud + cfg.cond.dim_ldm != u.context_dim:
        raise ValueError(f"DiffTalk config: audio {cfg.cond.dim_aud} + landmark {cfg.cond.dim_ldm} "
                         f"dims must equal the UNet context_dim {u.context_dim}")
    return UNet2DConditionModel(
        sample_size=cfg.latent_size, in_channels=u.in_channels, out_channels=u.out_channels,
        down_block_types=tuple("CrossAttnDownBlock2D" if a else "DownBlock2D" for a in attn),
        up_block_types=tuple("CrossAttnUpBlock2D" if a else "UpBlock2D" for a in reversed(attn)),
        mid_block_type="UNetMidBlock2DCrossAttn", block_out_channels=channels,
        layers_per_block=u.num_res_blocks, cross_attention_dim=u.context_dim,
        attention_head_dim=heads, transformer_layers_per_block=u.transformer_depth,
        flip_sin_to_cos=True, freq_shift=0, norm_num_groups=32, norm_eps=1e-5,
        downsample_padding=1, use_linear_projection=False, act_fn="silu",
    )


def build_vq(cfg: DiffTalkConfig):
    VQModel = diffusers().VQModel

    v = cfg.vq
    n = len(v.ch_mult)
    if v.z_channels != v.embed_dim:
        raise ValueError(f"DiffTalk config: VQ z_channels {v.z_channels} != embed_dim {v.embed_dim} "
                         "is not supported")
    return VQModel(
        in_channels=v.in_channels, out_channels=v.out_ch,
        down_block_types=("DownEncoderBlock2D",) * n, up_block_types=("UpDecoderBlock2D",) * n,
        block_out_channels=tuple(v.ch * m for m in v.ch_mult), layers_per_block=v.num_res_blocks,
        act_fn="silu", latent_channels=v.z_channels, sample_size=v.resolution,
        num_vq_embeddings=v.n_embed, norm_num_groups=32, vq_embed_dim=v.embed_dim,
        scaling_factor=1.0, norm_type="group", mid_block_add_attention=True,
    )


class DiffTalkModel(nn.Module):
    """All DiffTalk networks; the sampler and trainer drive it through the methods below."""

    def __init__(self, cfg: DiffTalkConfig, with_ema: bool = True) -> None:
        super().__init__()
        self.config = cfg
        self.unet = build_unet(cfg)
        self.vq = build_vq(cfg)
        c = cfg.cond
        self.cond = DiffTalkConditioner(c.dim_aud, c.win_size, c.att_dim, c.seq_len,
                                        c.n_points, c.ldm_hidden, c.dim_ldm)
        self.ema_unet = copy.deepcopy(self.unet) if with_ema else None
        if self.ema_unet is not None:
            self.ema_unet.requires_grad_(False)

    # -- first stage -------------------------------------------------------------------------
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (B,3,H,W) -> PRE-quant latents (encoder -> quant_conv, no VQ)."""
        return self.vq.encode(images).latents

    def encode_target(self, images: torch.Tensor) -> torch.Tensor:
        """The diffused latent: scale_factor * pre-quant latent (reference/masked are unscaled)."""
        return self.config.scale_factor * self.encode(images)

    def decode(self, z: torch.Tensor, quantize: bool = True) -> torch.Tensor:
        z = z / self.config.scale_factor
        return self.vq.decode(z, force_not_quantize=not quantize).sample

    def vq_indices(self, z: torch.Tensor) -> torch.Tensor:
        """Codebook index per latent position (B,h,w), the argmin the decoder uses."""
        _, _, (_, _, idx) = self.vq.quantize(z / self.config.scale_factor)
        return idx.reshape(z.shape[0], z.shape[2], z.shape[3])

    # -- conditioning and denoiser -------------------------------------------------------------
    def context(self, audio_windows: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        return self.cond(audio_windows, landmarks)

    def eps(self, x_t: torch.Tensor, t: torch.Tensor | int, z_masked: torch.Tensor,
            z_reference: torch.Tensor, context: torch.Tensor, ema: bool = False) -> torch.Tensor:
        """Predicted noise. Channel order is DiffTalk's: noisy, MASKED, REFERENCE."""
        net = self.ema_unet if ema and self.ema_unet is not None else self.unet
        if ema and self.ema_unet is None:
            raise RuntimeError("DiffTalkModel: EMA weights requested but this model has none")
        if not torch.is_tensor(t):
            t = torch.full((x_t.shape[0],), int(t), dtype=torch.long, device=x_t.device)
        x_in = torch.cat([x_t, z_masked, z_reference], dim=1)
        return net(x_in, t, encoder_hidden_states=context).sample

    # -- save / load (save_pretrained-style directory) ------------------------------------------
    def save_pretrained(self, directory: str | Path) -> Path:
        """config.json + diffusers sub-folders (``unet/``, ``ema_unet/``, ``vq/``, each loadable with
        diffusers' own ``from_pretrained``) + ``cond.safetensors``. The trainer writes the whole
        directory under a temporary name and renames it, so a reader never sees half of it."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        parts = {"unet": self.unet, "vq": self.vq}
        if self.ema_unet is not None:
            parts["ema_unet"] = self.ema_unet
        for name, module in parts.items():
            module.save_pretrained(directory / name, safe_serialization=True)
        state = {k: v.detach().contiguous().cpu() for k, v in self.cond.state_dict().items()}
        save_file(state, str(directory / "cond.safetensors"))
        tmp = directory / ".config.json.tmp"
        tmp.write_text(json.dumps({"model": "difftalk", **self.config.to_dict()}, indent=1))
        tmp.replace(directory / "config.json")
        return directory

    @classmethod
    def from_pretrained(cls, directory: str | Path, map_location: str = "cpu") -> "DiffTalkModel":
        from safetensors.torch import load_file

        directory = Path(directory)
        cfg_path = directory / "config.json"
        if not cfg_path.is_file():
            raise FileNotFoundError(f"{cfg_path}: not a DiffTalk model directory (no config.json); "
                                    "make one with `talkbench train --model difftalk`")
        data = json.loads(cfg_path.read_text())
        data.pop("model", None)
        cfg = DiffTalkConfig.from_dict(data)
        has_ema = (directory / "ema_unet").is_dir()
        model = cls(cfg, with_ema=has_ema)
        weights = "diffusion_pytorch_model.safetensors"
        for name in ["unet", "vq"] + (["ema_unet"] if has_ema else []):
            path = directory / name / weights
            if not path.is_file():
                raise FileNotFoundError(f"{path}: missing; the DiffTalk model directory is incomplete")
            getattr(model, name).load_state_dict(load_file(str(path), device=map_location), strict=True)
        model.cond.load_state_dict(load_file(str(directory / "cond.safetensors"), device=map_location), strict=True)
        return model
