"""Audio conditioning: AVHuBERT (or DeepSpeech) per-frame features → temporal filter → tokens.

Per-frame features at 25 Hz come from AVHuBERT (the talkbench_avhubert plugin, first NF layers
frozen, the rest trained with the diffusion model) or from precomputed DeepSpeech windows
(16×29 per frame, DiffTalk-style AudioNet to 128-d). Both pass a Neural-Voice-Puppetry-style
temporal filter: attention weights over a window of neighbouring frames, so that the
conditioning of consecutive frames varies smoothly. The UNet cross-attends to
``[filtered(t), f(t-k) … f(t+k)]`` (with learned position embeddings): keys/values = audio.
"""

from __future__ import annotations

import torch
from torch import nn

from talkbench import OptionError
from syncdiff_model.config import SyncDiffConfig

DS_WINDOW, DS_DIM = 16, 29  # DeepSpeech: 16 consecutive 29-way character logits per frame


class AudioNet(nn.Module):
    """DeepSpeech window (16×29) → one vector per frame (as DiffTalk/AD-NeRF's AudioNet)."""

    def __init__(self, out_dim: int = 128) -> None:
        super().__init__()
        act = nn.LeakyReLU(0.02, True)
        # four stride-2 convolutions over the 16-step window: 16 → 8 → 4 → 2 → 1
        self.encoder_conv = nn.Sequential(
            nn.Conv1d(DS_DIM, 32, 3, 2, 1), act, nn.Conv1d(32, 32, 3, 2, 1), act,
            nn.Conv1d(32, 64, 3, 2, 1), act, nn.Conv1d(64, 64, 3, 2, 1), act,
        )
        self.encoder_fc1 = nn.Sequential(nn.Linear(64, 64), act, nn.Linear(64, out_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 16, 29) → (N, out_dim)."""
        h = self.encoder_conv(x.transpose(1, 2)).squeeze(-1)
        return self.encoder_fc1(h)


class TemporalFilter(nn.Module):
    """Attention over a window of neighbouring frames (Neural Voice Puppetry's filtering net)."""

    def __init__(self, dim: int, window: int) -> None:
        super().__init__()
        act = nn.LeakyReLU(0.02, True)
        chans = [dim, 16, 8, 4, 2, 1]
        layers: list[nn.Module] = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv1d(a, b, 3, 1, 1), act]
        self.attention_conv = nn.Sequential(*layers[:-1])  # no activation on the score
        self.attention_fc = nn.Linear(window, window)
        self.window = window

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """(B, W, D) windows → (B, D): the softmax-weighted sum over the window."""
        score = self.attention_conv(windows.transpose(1, 2)).squeeze(1)  # (B, W)
        weights = torch.softmax(self.attention_fc(score), dim=-1)
        return (weights.unsqueeze(-1) * windows).sum(dim=1)


def gather_windows(seq: torch.Tensor, lengths: torch.Tensor, t: torch.Tensor, size: int) -> torch.Tensor:
    """(B, T, D) sequences → (B, size, D) frames t-size//2 … around t, clamped to each length
    (edge frames repeat, as replicate padding)."""
    offsets = torch.arange(size, device=seq.device) - size // 2
    idx = t[:, None].to(seq.device) + offsets[None]
    idx = torch.minimum(idx.clamp(min=0), (lengths.to(seq.device) - 1)[:, None])
    return torch.gather(seq, 1, idx[..., None].expand(-1, -1, seq.shape[-1]))


class AudioConditioner(nn.Module):
    """Per-frame audio features and the cross-attention context for chosen frames."""

    def __init__(self, config: SyncDiffConfig) -> None:
        super().__init__()
        self.kind = config.audio
        if config.audio == "avhubert":
            from talkbench_avhubert import AudioFeatureEncoder  # the avhubert plugin's public API

            try:
                self.avhubert = AudioFeatureEncoder.build(
                    config.avhubert_config, checkpoint=config.avhubert_checkpoint,
                    freeze_layers=config.freeze_layers,
                )
            except ValueError as exc:  # e.g. freeze_layers beyond the encoder's depth
                raise OptionError(f"syncdiff: {exc}") from None
            self.dim = self.avhubert.output_dim
        else:
            self.audionet = AudioNet(config.deepspeech_dim)
            self.dim = config.deepspeech_dim
        self.filter = TemporalFilter(self.dim, config.filter_window)
        self.position = nn.Parameter(torch.zeros(config.context_window, self.dim))
        self.context_window = config.context_window

    def raw_features(self, audio, num_frames: int) -> torch.Tensor:
        """Model input for one clip: (T, 104) AVHuBERT filterbanks or (T, 16, 29) DeepSpeech."""
        if self.kind == "avhubert":
            return self.avhubert.audio_features(audio, num_frames=num_frames)
        raise ValueError("DeepSpeech features are precomputed; read them with load_deepspeech")

    def sequence(self, feats: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, T, ...) padded raw features → (B, T, D) per-frame features."""
        if self.kind == "avhubert":
            steps = torch.arange(feats.shape[1], device=feats.device)
            pad = steps[None] >= lengths.to(feats.device)[:, None]
            return self.avhubert(feats, padding_mask=pad if bool(pad.any()) else None)
        b, t = feats.shape[:2]
        return self.audionet(feats.reshape(b * t, DS_WINDOW, DS_DIM)).reshape(b, t, self.dim)

    def context(self, seq: torch.Tensor, lengths: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Cross-attention tokens for frame ``t`` of each sequence: (B, 1 + context_window, D)."""
        filtered = self.filter(gather_windows(seq, lengths, t, self.filter.window))
        local = gather_windows(seq, lengths, t, self.context_window) + self.position
        return torch.cat([filtered[:, None], local], dim=1)
