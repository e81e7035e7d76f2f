"""DiffTalk's conditioning networks: AudioNet, AudioAttNet, LdmNet and the combined encoder.

Parameter names follow DiffTalk's ``ldm/modules/encoders/modules.py`` so that the
``cond_stage_model_for_*`` tensors of a CompVis checkpoint load with a plain prefix strip.
"""

from __future__ import annotations

import torch
from torch import nn

# DiffTalk uses this slope everywhere, including after the last attention conv.
_SLOPE = 0.02


class AudioNet(nn.Module):
    """One DeepSpeech window (N, 16, 29) -> (N, dim_aud) with four stride-2 Conv1d (16 -> 1)."""

    def __init__(self, dim_aud: int = 64, win_size: int = 16) -> None:
        super().__init__()
        self.win_size = win_size
        self.dim_aud = dim_aud
        chans = [29, 32, 32, 64, 64]
        layers: list[nn.Module] = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv1d(cin, cout, 3, stride=2, padding=1), nn.LeakyReLU(_SLOPE, True)]
        self.encoder_conv = nn.Sequential(*layers)
        self.encoder_fc1 = nn.Sequential(
            nn.Linear(64, 64), nn.LeakyReLU(_SLOPE, True), nn.Linear(64, dim_aud)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        half = self.win_size // 2
        # The window is centred on row 8 of the 16 DeepSpeech rows, as in DiffTalk.
        x = x[:, 8 - half: 8 + half, :].permute(0, 2, 1)
        x = self.encoder_conv(x)
        if x.shape[-1] != 1:
            raise ValueError(f"AudioNet: window of {x.shape[-1] * 16} rows does not reduce to 1; use 16")
        # squeeze only the length axis: DiffTalk's bare squeeze() would also drop a batch of 1
        return self.encoder_fc1(x.squeeze(-1))


class AudioAttNet(nn.Module):
    """Temporal attention over ``seq_len`` AudioNet features (B, seq_len, D) -> (B, D).

    The weights come from the first ``dim_aud`` features only, the sum is over all D
    (DiffTalk builds it with dim_aud=32 on 64-d features).
    """

    def __init__(self, dim_aud: int = 32, seq_len: int = 8) -> None:
        super().__init__()
        self.seq_len = seq_len
        self.dim_aud = dim_aud
        chans = [dim_aud, 16, 8, 4, 2, 1]
        layers: list[nn.Module] = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv1d(cin, cout, 3, stride=1, padding=1), nn.LeakyReLU(_SLOPE, True)]
        self.attentionConvNet = nn.Sequential(*layers)
        self.attentionNet = nn.Sequential(nn.Linear(seq_len, seq_len), nn.Softmax(dim=2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x[..., : self.dim_aud].permute(0, 2, 1)
        y = self.attentionNet(self.attentionConvNet(y))  # (B, 1, seq_len)
        return torch.matmul(y, x).squeeze(1)


class LdmNet(nn.Module):
    """Landmarks (B, n_points, 2) in crop pixels -> (B, dim_out)."""

    def __init__(self, n_points: int = 39, hidden: int = 128, dim_out: int = 64) -> None:
        super().__init__()
        self.n_points = n_points
        self.encoder_fc1 = nn.Sequential(
            nn.Linear(n_points * 2, hidden), nn.LeakyReLU(_SLOPE, True),
            nn.Linear(hidden, dim_out), nn.LeakyReLU(_SLOPE, True),
            nn.Linear(dim_out, dim_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder_fc1(x.reshape(x.shape[0], -1))


class DiffTalkConditioner(nn.Module):
    """Audio windows (B, 8, 16, 29) + landmarks (B, 39, 2) -> context (B, 1, 128).

    DiffTalk concatenates audio (64) and landmark (64) codes into ONE cross-attention token.
    """

    def __init__(self, dim_aud: int = 64, win_size: int = 16, att_dim: int = 32, seq_len: int = 8,
                 n_points: int = 39, ldm_hidden: int = 128, dim_ldm: int = 64) -> None:
        super().__init__()
        self.audio = AudioNet(dim_aud, win_size)
        self.audio_smooth = AudioAttNet(att_dim, seq_len)
        self.ldm = LdmNet(n_points, ldm_hidden, dim_ldm)
        self.seq_len = seq_len

    def encode_audio(self, windows: torch.Tensor, return_per_window: bool = False):
        bs = windows.shape[0]
        per_window = self.audio(windows.reshape(-1, windows.shape[-2], windows.shape[-1]))
        c_audio = self.audio_smooth(per_window.reshape(bs, self.seq_len, -1))
        return (c_audio, per_window) if return_per_window else c_audio

    def forward(self, windows: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        c_audio = self.encode_audio(windows)
        c_ldm = self.ldm(landmarks)
        return torch.cat([c_audio, c_ldm], dim=1)[:, None]
