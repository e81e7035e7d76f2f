"""The Wav2Lip generator network in plain PyTorch, with the reference module layout.

Module names and nesting follow Rudrabha/Wav2Lip (models/wav2lip.py, models/conv.py) so that the
official ``wav2lip.pth`` / ``wav2lip_gan.pth`` state_dicts load without renaming:
``face_encoder_blocks.I.J.conv_block.{0,1}.*``, ``audio_encoder.J.conv_block.*``,
``face_decoder_blocks.I.J.conv_block.*``, ``output_block.0.conv_block.*``, ``output_block.1.*``.
"""

from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from talkbench import WeightsInvalidError


class ConvBN(nn.Module):
    """conv → BatchNorm → ReLU, with an optional identity skip added before the ReLU."""

    def __init__(self, cin, cout, kernel_size, stride, padding, residual=False, transpose=False,
                 output_padding=0):
        super().__init__()
        if transpose:
            conv = nn.ConvTranspose2d(cin, cout, kernel_size, stride, padding, output_padding)
        else:
            conv = nn.Conv2d(cin, cout, kernel_size, stride, padding)
        # "conv_block" with indices 0 (conv) and 1 (BN) is the checkpoint's key layout.
        self.conv_block = nn.Sequential(conv, nn.BatchNorm2d(cout))
        self.act = nn.ReLU()
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return self.act(out)


def _res(c: int) -> ConvBN:
    return ConvBN(c, c, 3, 1, 1, residual=True)


def _up(cin: int, cout: int, *, first: bool = False) -> ConvBN:
    if first:  # 1×1 → 3×3
        return ConvBN(cin, cout, 3, 1, 0, transpose=True)
    return ConvBN(cin, cout, 3, 2, 1, transpose=True, output_padding=1)


def build_face_encoder() -> nn.ModuleList:
    """96×96×6 → [96, 48, 24, 12, 6, 3, 1]-sized features (16..512 channels)."""
    return nn.ModuleList([
        nn.Sequential(ConvBN(6, 16, 7, 1, 3)),
        nn.Sequential(ConvBN(16, 32, 3, 2, 1), _res(32), _res(32)),
        nn.Sequential(ConvBN(32, 64, 3, 2, 1), _res(64), _res(64), _res(64)),
        nn.Sequential(ConvBN(64, 128, 3, 2, 1), _res(128), _res(128)),
        nn.Sequential(ConvBN(128, 256, 3, 2, 1), _res(256), _res(256)),
        nn.Sequential(ConvBN(256, 512, 3, 2, 1), _res(512)),
        nn.Sequential(ConvBN(512, 512, 3, 1, 0), ConvBN(512, 512, 1, 1, 0)),
    ])


def build_audio_encoder() -> nn.Sequential:
    """(1, 80, 16) mel window → (512, 1, 1) embedding."""
    return nn.Sequential(
        ConvBN(1, 32, 3, 1, 1), _res(32), _res(32),
        ConvBN(32, 64, 3, (3, 1), 1), _res(64), _res(64),
        ConvBN(64, 128, 3, 3, 1), _res(128), _res(128),
        ConvBN(128, 256, 3, (3, 2), 1), _res(256),
        ConvBN(256, 512, 3, 1, 0), ConvBN(512, 512, 1, 1, 0),
    )


def build_face_decoder() -> nn.ModuleList:
    """Upsamples the 512-d embedding, concatenating the matching encoder feature after each block."""
    return nn.ModuleList([
        nn.Sequential(ConvBN(512, 512, 1, 1, 0)),
        nn.Sequential(_up(1024, 512, first=True), _res(512)),
        nn.Sequential(_up(1024, 512), _res(512), _res(512)),
        nn.Sequential(_up(768, 384), _res(384), _res(384)),
        nn.Sequential(_up(512, 256), _res(256), _res(256)),
        nn.Sequential(_up(320, 128), _res(128), _res(128)),
        nn.Sequential(_up(160, 64), _res(64), _res(64)),
    ])


def build_output_block() -> nn.Sequential:
    return nn.Sequential(ConvBN(80, 32, 3, 1, 1), nn.Conv2d(32, 3, 1, 1, 0), nn.Sigmoid())


class FaceUNet(nn.Module):
    """Face encoder, decoder and output block shared by Wav2Lip and TalkLip.

    ``decode(embedding, faces)``: embedding (N, 512, 1, 1), faces (N, 6, 96, 96) in [0, 1] with
    the masked target in channels 0–2 and the reference in 3–5 → (N, 3, 96, 96) in (0, 1).
    """

    def __init__(self) -> None:
        super().__init__()
        self.face_encoder_blocks = build_face_encoder()
        self.face_decoder_blocks = build_face_decoder()
        self.output_block = build_output_block()

    def encode_face(self, faces: torch.Tensor) -> list[torch.Tensor]:
        feats, x = [], faces
        for block in self.face_encoder_blocks:
            x = block(x)
            feats.append(x)
        return feats

    def decode(self, embedding: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
        feats = self.encode_face(faces)
        x = embedding
        for block in self.face_decoder_blocks:
            x = torch.cat((block(x), feats.pop()), dim=1)
        return self.output_block(x)


class Wav2Lip(FaceUNet):
    """The Wav2Lip generator; ``forward(mel, faces)`` as the reference ``model(mel, face)``.

    Accepts (N, 1, 80, 16) + (N, 6, 96, 96), or the training layout (B, T, 1, 80, 16) +
    (B, 6, T, 96, 96), which returns (B, 3, T, 96, 96).
    """

    def __init__(self) -> None:
        super().__init__()
        self.audio_encoder = build_audio_encoder()

    def forward(self, mel: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
        if faces.dim() == 5:
            b, c, t, h, w = faces.shape
            # time-major (index t·B + b), as the reference concatenates the time steps
            mel = mel.transpose(0, 1).reshape(t * b, *mel.shape[2:])
            faces = faces.permute(2, 0, 1, 3, 4).reshape(t * b, c, h, w)
            out = self.decode(self.audio_encoder(mel), faces)
            return out.reshape(t, b, *out.shape[1:]).permute(1, 2, 0, 3, 4)
        return self.decode(self.audio_encoder(mel), faces)


def clean_state_dict(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Unwrap ``{"state_dict": ...}``, strip DataParallel's ``module.``, drop ``num_batches_tracked``."""
    if "state_dict" in state and isinstance(state["state_dict"], Mapping):
        state = state["state_dict"]
    out = {}
    for key, value in state.items():
        if key.startswith("module."):
            key = key[len("module."):]
        if key.endswith("num_batches_tracked"):
            continue  # modern torch writes them; the 2020 checkpoints do not
        out[key] = value
    return out


def load_into(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Strict load that names every missing/unexpected/mis-shaped key in one error line."""
    state = clean_state_dict(state)
    own = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = sorted(
        f"{k} {tuple(state[k].shape)}≠{tuple(own[k].shape)}"
        for k in set(own) & set(state) if tuple(state[k].shape) != tuple(own[k].shape)
    )
    if missing or unexpected or shapes:
        parts = []
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", shapes)):
            if keys:
                shown = ", ".join(keys[:8]) + (f" (+{len(keys) - 8} more)" if len(keys) > 8 else "")
                parts.append(f"{len(keys)} {label}: {shown}")
        raise KeyMismatchError(f"{source}: checkpoint does not fit {type(model).__name__} — " + "; ".join(parts))
    model.load_state_dict(state, strict=False)


class KeyMismatchError(WeightsInvalidError):
    """A checkpoint whose keys or shapes do not match the network (message lists them)."""
