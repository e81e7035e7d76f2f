"""The SyncNet network with the reference layer layout (joonson/syncnet_python ``S``).

The module indices inside each ``nn.Sequential`` are part of the contract: the official
``syncnet_v2.model`` is a flat state dict whose keys are ``netcnnaud.0.weight``,
``netcnnlip.18.weight`` ... so the layer order (conv, BN, ReLU, pool) must stay exactly as the
reference has it. ``SyncNetConfig`` keeps that order and only scales widths / input size, which
is how the tiny demo variant stays loadable by the same code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

#: the audio window the network sees: 13 MFCC coefficients × 20 steps (0.2 s at 100 Hz)
MFCC_DIM = 13
MFCC_WINDOW = 20
#: frames per video window (0.2 s at 25 fps)
FRAMES_PER_WINDOW = 5


@dataclass(frozen=True)
class SyncNetConfig:
    """Widths and input size; the defaults are the official network (1024-d, 224×224 BGR)."""

    img_size: int = 224
    embed_dim: int = 1024
    aud_widths: tuple[int, ...] = (64, 192, 384, 256, 256, 512)
    lip_widths: tuple[int, ...] = (96, 256, 256, 256, 256, 512)
    fc_dim: int = 512
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["aud_widths"], d["lip_widths"] = list(self.aud_widths), list(self.lip_widths)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SyncNetConfig":
        d = dict(d)
        d["aud_widths"] = tuple(d.get("aud_widths", cls.aud_widths))
        d["lip_widths"] = tuple(d.get("lip_widths", cls.lip_widths))
        return cls(**d)


OFFICIAL = SyncNetConfig()


def _lip_final_kernel(img_size: int) -> int:
    """Spatial size left before the last lip conv (6 for 224), so that conv maps it to 1×1."""
    s = (img_size - 7) // 2 + 1          # conv 7×7 stride 2
    s = (s - 3) // 2 + 1                 # max-pool 3 stride 2
    s = (s + 2 - 5) // 2 + 1             # conv 5×5 stride 2 pad 1
    s = (s + 2 - 3) // 2 + 1             # max-pool 3 stride 2 pad 1
    if s < 3:
        raise ValueError(f"SyncNet img_size {img_size} is too small (need >= 64)")
    return (s - 3) // 2 + 1              # three 3×3 same convs, then max-pool 3 stride 2


class SyncNet(nn.Module):
    """Audio tower (``netcnnaud``+``netfcaud``) and lip tower (``netcnnlip``+``netfclip``)."""

    def __init__(self, config: SyncNetConfig = OFFICIAL) -> None:
        super().__init__()
        self.config = config
        a, v, fc = config.aud_widths, config.lip_widths, config.fc_dim
        # Index comments: the state-dict key each layer owns.
        self.netcnnaud = nn.Sequential(
            nn.Conv2d(1, a[0], 3, 1, 1), nn.BatchNorm2d(a[0]), nn.ReLU(inplace=True),  # 0 1 2
            nn.MaxPool2d(1, 1),                                                          # 3
            nn.Conv2d(a[0], a[1], 3, 1, 1), nn.BatchNorm2d(a[1]), nn.ReLU(inplace=True),  # 4 5 6
            nn.MaxPool2d(3, (1, 2)),                                                     # 7
            nn.Conv2d(a[1], a[2], 3, padding=1), nn.BatchNorm2d(a[2]), nn.ReLU(inplace=True),  # 8-10
            nn.Conv2d(a[2], a[3], 3, padding=1), nn.BatchNorm2d(a[3]), nn.ReLU(inplace=True),  # 11-13
            nn.Conv2d(a[3], a[4], 3, padding=1), nn.BatchNorm2d(a[4]), nn.ReLU(inplace=True),  # 14-16
            nn.MaxPool2d(3, 2),                                                          # 17
            nn.Conv2d(a[4], a[5], (5, 4)), nn.BatchNorm2d(a[5]), nn.ReLU(),              # 18-20
        )
        self.netfcaud = nn.Sequential(
            nn.Linear(a[5], fc), nn.BatchNorm1d(fc), nn.ReLU(), nn.Linear(fc, config.embed_dim)
        )
        self.netfclip = nn.Sequential(
            nn.Linear(v[5], fc), nn.BatchNorm1d(fc), nn.ReLU(), nn.Linear(fc, config.embed_dim)
        )
        k = _lip_final_kernel(config.img_size)
        self.netcnnlip = nn.Sequential(
            nn.Conv3d(3, v[0], (5, 7, 7), (1, 2, 2)), nn.BatchNorm3d(v[0]), nn.ReLU(inplace=True),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2)),                                          # 3
            nn.Conv3d(v[0], v[1], (1, 5, 5), (1, 2, 2), (0, 1, 1)), nn.BatchNorm3d(v[1]),
            nn.ReLU(inplace=True),                                                       # 4-6
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),                               # 7
            nn.Conv3d(v[1], v[2], (1, 3, 3), padding=(0, 1, 1)), nn.BatchNorm3d(v[2]), nn.ReLU(inplace=True),
            nn.Conv3d(v[2], v[3], (1, 3, 3), padding=(0, 1, 1)), nn.BatchNorm3d(v[3]), nn.ReLU(inplace=True),
            nn.Conv3d(v[3], v[4], (1, 3, 3), padding=(0, 1, 1)), nn.BatchNorm3d(v[4]), nn.ReLU(inplace=True),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2)),                                          # 17
            nn.Conv3d(v[4], v[5], (1, k, k)), nn.BatchNorm3d(v[5]), nn.ReLU(inplace=True),  # 18-20
        )

    def forward_aud(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 13, 20) MFCC windows → (N, embed_dim)."""
        mid = self.netcnnaud(x)
        return self.netfcaud(mid.reshape(mid.shape[0], -1))

    def forward_lip(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 5, H, W) BGR 0–255 frame windows → (N, embed_dim)."""
        mid = self.netcnnlip(x)
        return self.netfclip(mid.reshape(mid.shape[0], -1))


def load_flat_state_dict(model: SyncNet, state: Mapping[str, torch.Tensor], source: str = "") -> None:
    """Load a flat SyncNet state dict; ``num_batches_tracked`` (modern torch only) is ignored.

    Missing or unexpected keys are an error naming the first few, because a silently half
    loaded SyncNet still produces plausible-looking but meaningless LSE numbers.
    """
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    own = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    missing, unexpected = sorted(own - set(state)), sorted(set(state) - own)
    if missing or unexpected:
        raise ValueError(
            f"{source or 'state dict'}: not a SyncNet checkpoint in the official layout "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    for key, tensor in model.state_dict().items():
        if key in state and tuple(state[key].shape) != tuple(tensor.shape):
            raise ValueError(
                f"{source or 'state dict'}: {key} has shape {tuple(state[key].shape)}, "
                f"expected {tuple(tensor.shape)} (wrong SyncNet variant?)"
            )
    model.load_state_dict(state, strict=False)


def read_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], SyncNetConfig]:
    """A flat state dict file (official) or talkbench's ``{"state_dict", "config"}`` file."""
    obj = torch.load(str(path), map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "state_dict" in obj:
        cfg = SyncNetConfig.from_dict(obj.get("config") or {})
        return dict(obj["state_dict"]), cfg
    if not isinstance(obj, dict):
        raise ValueError(f"{path}: not a SyncNet state dict (got {type(obj).__name__})")
    return dict(obj), OFFICIAL


def checkpoint_meta(path: str | Path) -> dict:
    """The training meta talkbench's ``{"state_dict", "config", "meta"}`` file carries; {} otherwise."""
    obj = torch.load(str(path), map_location="cpu", weights_only=True)
    return dict(obj.get("meta") or {}) if isinstance(obj, dict) and "state_dict" in obj else {}


def load_syncnet(path: str | Path, device: str = "cpu") -> SyncNet:
    """Build the right variant for ``path``, load it, and put it in eval mode on ``device``."""
    state, cfg = read_checkpoint(path)
    model = SyncNet(cfg)
    load_flat_state_dict(model, state, source=str(path))
    return model.eval().to(device)
