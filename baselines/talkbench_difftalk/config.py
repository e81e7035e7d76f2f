"""DiffTalk model configuration: sizes of every part, presets, and DiffTalk-yaml reading.

Presets: ``paper`` (DiffTalk's configs/latent-diffusion/talking.yaml), ``reduced`` (the
calibration fixture) and ``tiny`` (CPU training on the demo dataset).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int = 9           # noisy latent + masked latent + reference latent
    out_channels: int = 3
    model_channels: int = 256
    channel_mult: tuple[int, ...] = (1, 2, 3, 4)
    num_res_blocks: int = 2
    attention_resolutions: tuple[int, ...] = (8, 4, 2)   # downsampling rates with attention
    num_head_channels: int = 32    # per-head WIDTH (LDM meaning), not the head count
    context_dim: int = 128
    transformer_depth: int = 1


@dataclass(frozen=True)
class VQConfig:
    embed_dim: int = 3
    n_embed: int = 8192
    z_channels: int = 3
    resolution: int = 256
    in_channels: int = 3
    out_ch: int = 3
    ch: int = 128
    ch_mult: tuple[int, ...] = (1, 2, 4)
    num_res_blocks: int = 2

    @property
    def downsample(self) -> int:
        return 2 ** (len(self.ch_mult) - 1)


@dataclass(frozen=True)
class CondConfig:
    dim_aud: int = 64
    win_size: int = 16
    att_dim: int = 32      # AudioAttNet dim_aud: only these first features drive the weights
    seq_len: int = 8
    n_points: int = 39
    ldm_hidden: int = 128
    dim_ldm: int = 64


@dataclass(frozen=True)
class DiffTalkConfig:
    unet: UNetConfig = field(default_factory=UNetConfig)
    vq: VQConfig = field(default_factory=VQConfig)
    cond: CondConfig = field(default_factory=CondConfig)
    linear_start: float = 0.0015
    linear_end: float = 0.0195
    timesteps: int = 1000
    scale_factor: float = 1.0   # DiffTalk never sets it; only the target latent is scaled

    @property
    def image_size(self) -> int:
        return self.vq.resolution

    @property
    def latent_size(self) -> int:
        return self.vq.resolution // self.vq.downsample

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DiffTalkConfig":
        def build(kind, values):
            names = {f.name for f in fields(kind)}
            unknown = set(values) - names
            if unknown:
                raise ValueError(f"DiffTalk config: unknown {kind.__name__} keys {sorted(unknown)}")
            return kind(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

        top = {k: v for k, v in data.items() if k not in ("unet", "vq", "cond")}
        return build(cls, {**top, "unet": build(UNetConfig, data.get("unet", {})),
                           "vq": build(VQConfig, data.get("vq", {})),
                           "cond": build(CondConfig, data.get("cond", {}))})

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: Path) -> "DiffTalkConfig":
        return cls.from_dict(json.loads(Path(path).read_text()))


PAPER = DiffTalkConfig()
REDUCED = DiffTalkConfig(
    unet=UNetConfig(model_channels=32, channel_mult=(1, 2, 3), num_res_blocks=1,
                    attention_resolutions=(4, 2), num_head_channels=16),
    vq=VQConfig(n_embed=64, ch=32, ch_mult=(1, 2, 4), num_res_blocks=1),
)
# 64x64 face crops -> 16x16 latents: small enough to train on 2 CPU cores in minutes.
TINY = DiffTalkConfig(
    unet=UNetConfig(model_channels=32, channel_mult=(1, 2), num_res_blocks=1,
                    attention_resolutions=(2,), num_head_channels=16),
    vq=VQConfig(n_embed=128, ch=32, ch_mult=(1, 1, 2), num_res_blocks=1, resolution=64),
)
PRESETS: dict[str, DiffTalkConfig] = {"paper": PAPER, "reduced": REDUCED, "tiny": TINY}


def preset(name: str) -> DiffTalkConfig:
    if name not in PRESETS:
        raise ValueError(f"unknown DiffTalk preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


def from_difftalk_yaml(path: str | Path) -> DiffTalkConfig:
    """Size the model from a DiffTalk config (configs/latent-diffusion/talking.yaml format)."""
    import yaml

    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text())["model"]["params"]
        unet = params["unet_config"]["params"]
        first = params["first_stage_config"]["params"]
        dd = first["ddconfig"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a DiffTalk LatentDiffusion config (missing {exc}); "
                         "expected the layout of configs/latent-diffusion/talking.yaml") from None
    if params.get("conditioning_key", "crossattn") != "crossattn":
        raise ValueError(f"{path}: conditioning_key must be crossattn (DiffTalk's), "
                         f"got {params['conditioning_key']!r}")
    if list(dd.get("attn_resolutions", [])) or dd.get("double_z", False):
        raise ValueError(f"{path}: only VQ first stages without attn_resolutions and with "
                         "double_z false (DiffTalk's VQ-f4) are supported")
    if not unet.get("use_spatial_transformer", False):
        raise ValueError(f"{path}: unet_config needs use_spatial_transformer: true")
    heads = unet.get("num_head_channels", -1)
    if heads in (None, -1):
        raise ValueError(f"{path}: set unet num_head_channels (num_heads-only configs are not supported)")
    audio = params.get("cond_stage_config_audio", {}).get("params", {}) or {}
    smooth = params.get("cond_stage_config_audio_smooth", {}).get("params", {}) or {}
    ldm = params.get("cond_stage_config_ldm", {}).get("params", {}) or {}
    cond = replace(CondConfig(), dim_aud=audio.get("dim_aud", 76), win_size=audio.get("win_size", 16),
                   att_dim=smooth.get("dim_aud", 76), seq_len=smooth.get("seq_len", 8),
                   dim_ldm=ldm.get("dim_out", 64))
    return DiffTalkConfig(
        unet=UNetConfig(
            in_channels=unet["in_channels"], out_channels=unet["out_channels"],
            model_channels=unet["model_channels"], channel_mult=tuple(unet["channel_mult"]),
            num_res_blocks=unet["num_res_blocks"],
            attention_resolutions=tuple(unet["attention_resolutions"]),
            num_head_channels=heads, context_dim=unet.get("context_dim", 128),
            transformer_depth=unet.get("transformer_depth", 1)),
        vq=VQConfig(embed_dim=first["embed_dim"], n_embed=first["n_embed"], z_channels=dd["z_channels"],
                    resolution=dd["resolution"], in_channels=dd["in_channels"], out_ch=dd["out_ch"],
                    ch=dd["ch"], ch_mult=tuple(dd["ch_mult"]), num_res_blocks=dd["num_res_blocks"]),
        cond=cond,
        linear_start=params.get("linear_start", 1e-4), linear_end=params.get("linear_end", 2e-2),
        timesteps=params.get("timesteps", 1000), scale_factor=float(params.get("scale_factor", 1.0)),
    )
