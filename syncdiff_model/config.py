"""SyncDiff configuration: dataclasses loaded from the YAML presets shipped in this package.

A config is plain data (no import strings). Every ablation switch of the paper is a field and an
option (``audio``, ``reference``, ``num_prev``, ``freeze_layers``, ``sampler``, ``steps``), and the
whole config is written next to every checkpoint, so a run records what it was.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Mapping

import yaml

from talkbench import OptionError

PRESETS = ("paper", "tiny")
AUDIO_KINDS = ("avhubert", "deepspeech")
REFERENCE_MODES = ("rnd", "prv", "prv-", "rnd+prv-")
NUM_PREV_CHOICES = (1, 5, 10)
SAMPLERS = ("ddim", "dpmsolver")
LATENT_CHANNELS = 3  # VQ-f4 with 3 latent channels (paper: 64×64×3)
DOWNSAMPLE = 4


@dataclass
class VQConfig:
    block_out_channels: list[int] = field(default_factory=lambda: [128, 256, 512])
    layers_per_block: int = 2
    num_vq_embeddings: int = 8192
    norm_num_groups: int = 32


@dataclass
class UNetConfig:
    block_out_channels: list[int] = field(default_factory=lambda: [224, 448, 672, 896])
    layers_per_block: int = 2
    attention_levels: list[int] = field(default_factory=lambda: [1, 2, 3])
    head_channels: int = 32
    norm_num_groups: int = 32


@dataclass
class SyncDiffConfig:
    name: str = "paper"
    image_size: int = 256
    vq: VQConfig = field(default_factory=VQConfig)
    unet: UNetConfig = field(default_factory=UNetConfig)
    audio: str = "avhubert"
    avhubert_config: str = "base"
    avhubert_checkpoint: str | None = None
    freeze_layers: int = 9
    deepspeech_dim: int = 128
    filter_window: int = 8      # NVP-style temporal filter: frames attended around each frame
    context_window: int = 5     # audio tokens (frames) the UNet cross-attends to per frame
    reference: str = "rnd+prv-"
    num_prev: int = 1
    sampler: str = "ddim"
    steps: int = 200
    batch_size: int = 8
    epochs: int = 200
    lr: float = 5e-5
    ae_lr: float = 4.5e-6
    ae_steps: int = 100000
    lpips_weight: float = 1.0
    # LDM's scale_by_std: latents are multiplied by this before diffusion so that they have unit
    # std; null = measured on the training crops once the first stage is trained (and stored)
    latent_scale: float | None = None
    codebook_weight: float = 1.0
    grad_accum: int = 1
    ema_decay: float = 0.9999
    checkpoint_every: int = 5000
    preview_every: int = 5000
    log_every: int = 50
    shuffle_audio: bool = False  # control experiment: audio of another clip (sync must get worse)

    # -- derived sizes -------------------------------------------------------------------
    @property
    def latent_size(self) -> int:
        return self.image_size // DOWNSAMPLE

    @property
    def uses_identity(self) -> bool:
        return self.reference in ("rnd", "rnd+prv-")

    @property
    def uses_pose(self) -> bool:
        return self.reference != "rnd"

    @property
    def bottleneck(self) -> bool:
        """prv- and rnd+prv- squeeze each pose latent 3→1 channel (the paper's BN)."""
        return self.reference in ("prv-", "rnd+prv-")

    @property
    def pose_channels(self) -> int:
        if not self.uses_pose:
            return 0
        return self.num_prev * (1 if self.bottleneck else LATENT_CHANNELS)

    @property
    def unet_in_channels(self) -> int:
        """noisy latent + masked + (identity) + pose: 10 for the paper's rnd+prv-, NP=1."""
        ident = LATENT_CHANNELS if self.uses_identity else 0
        return 2 * LATENT_CHANNELS + ident + self.pose_channels

    @property
    def min_frames(self) -> int:
        """Autoregression needs the num_prev given frames plus at least one to generate."""
        return self.num_prev + 1

    def validate(self) -> "SyncDiffConfig":
        checks = [
            ("audio", self.audio, AUDIO_KINDS), ("reference", self.reference, REFERENCE_MODES),
            ("num_prev", self.num_prev, NUM_PREV_CHOICES), ("sampler", self.sampler, SAMPLERS),
        ]
        for key, value, allowed in checks:
            if value not in allowed:
                raise OptionError(f"syncdiff: {key}={value!r} must be one of {', '.join(map(str, allowed))}")
        if not 0 <= self.freeze_layers <= 12:
            raise OptionError(f"syncdiff: freeze_layers={self.freeze_layers} must be in 0..12")
        if self.image_size % (DOWNSAMPLE * 2 ** (len(self.unet.block_out_channels) - 1)):
            raise OptionError(f"syncdiff: image_size={self.image_size} does not fit the UNet depth")
        return self

    # -- (de)serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SyncDiffConfig":
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise OptionError(f"syncdiff config: unknown keys {', '.join(unknown)}")
        vq = VQConfig(**data.pop("vq", {}))
        unet = UNetConfig(**data.pop("unet", {}))
        return cls(vq=vq, unet=unet, **data)

    def with_overrides(self, overrides: Mapping[str, Any]) -> "SyncDiffConfig":
        data = self.to_dict()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return SyncDiffConfig.from_dict(data).validate()


def load_preset(name: str, **overrides: Any) -> SyncDiffConfig:
    """The YAML preset ``name`` (paper|tiny) with ``overrides`` (None values ignored)."""
    if name not in PRESETS:
        raise OptionError(f"syncdiff: unknown preset {name!r}; known presets: {', '.join(PRESETS)}")
    text = resources.files("syncdiff_model").joinpath("presets", f"{name}.yaml").read_text()
    return SyncDiffConfig.from_dict(yaml.safe_load(text)).with_overrides(overrides)

