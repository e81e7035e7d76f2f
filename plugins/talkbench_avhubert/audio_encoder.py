"""The audio-feature API other plugins build on (SyncDiff's and TalkLip's audio encoders).

    enc = AudioFeatureEncoder.build("base", checkpoint=path_or_None, freeze_layers=6)
    feats = enc.audio_features(clip.audio, num_frames=clip.num_frames)   # (T, 104)
    hidden = enc(feats[None])                                            # (1, T, 768)
    hidden = enc.encode_audio(clip)                                      # (T, 768), 25 Hz
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from talkbench_avhubert.config import AVHubertConfig, get_config
from talkbench_avhubert.encoder import AVHubertEncoder
from talkbench_avhubert.features import audio_features as _audio_features


class AudioFeatureEncoder(nn.Module):
    """AV-HuBERT run on audio alone (video features are zeros, as the reference does)."""

    def __init__(self, config: AVHubertConfig, freeze_layers: int = 0) -> None:
        super().__init__()
        self.config = config
        self.encoder = AVHubertEncoder(config, with_video=False)
        self.freeze_layers = 0
        self.set_freeze_layers(freeze_layers)

    @classmethod
    def build(
        cls,
        config: "str | AVHubertConfig" = "base",
        checkpoint: "str | Path | None" = None,
        freeze_layers: int = 0,
    ) -> "AudioFeatureEncoder":
        """A preset name or config, optionally with weights from an official checkpoint.

        With a checkpoint (fairseq AV-HuBERT pretraining or seq2seq ``.pt``) the shape comes
        from the checkpoint's own cfg; ``config`` is then only checked against it.
        """
        if checkpoint is not None:
            from talkbench_avhubert.checkpoint import load_checkpoint

            loaded = load_checkpoint(checkpoint)
            model = cls(loaded.config, freeze_layers=0)
            loaded.load_encoder_into(model.encoder)
            if isinstance(config, AVHubertConfig) and (
                config.encoder_embed_dim != loaded.config.encoder_embed_dim
                or config.encoder_layers != loaded.config.encoder_layers
            ):
                raise ValueError(
                    f"{checkpoint}: holds a {loaded.config.encoder_layers}×"
                    f"{loaded.config.encoder_embed_dim} encoder, not the requested "
                    f"{config.encoder_layers}×{config.encoder_embed_dim}; drop the config argument"
                )
            model.set_freeze_layers(freeze_layers)
            return model
        return cls(get_config(config), freeze_layers=freeze_layers)

    def train(self, mode: bool = True) -> "AudioFeatureEncoder":
        """Frozen parts stay in eval mode (no dropout) while the trainable rest trains."""
        super().train(mode)
        if mode and self.freeze_layers:
            enc = self.encoder
            for m in [enc.feature_extractor_audio, enc.layer_norm, enc.post_extract_proj,
                      enc.encoder.pos_conv, *enc.encoder.layers[: self.freeze_layers]]:
                m.eval()
        return self

    @property
    def output_dim(self) -> int:
        return self.config.encoder_embed_dim

    @property
    def num_layers(self) -> int:
        return self.config.encoder_layers

    def set_freeze_layers(self, n: int) -> None:
        """Freeze the audio front-end (proj, fusion norm, post-proj, positional conv) and the
        first ``n`` transformer layers; everything after stays trainable. ``n=0`` freezes
        nothing; ``n=-1`` or ``n=num_layers`` freezes the whole encoder."""
        L = self.num_layers
        if n < 0:
            n = L
        if n > L:
            raise ValueError(f"freeze_layers={n} exceeds the encoder's {L} layers")
        self.freeze_layers = n
        enc = self.encoder
        for p in self.parameters():
            p.requires_grad_(True)
        if n == 0:
            return
        frozen: list[nn.Module] = [enc.feature_extractor_audio, enc.layer_norm,
                                   enc.post_extract_proj, enc.encoder.pos_conv]
        frozen += list(enc.encoder.layers[:n])
        if n == L:
            frozen.append(enc.encoder.layer_norm)
        for m in frozen:
            for p in m.parameters():
                p.requires_grad_(False)

    def audio_features(self, audio: np.ndarray, num_frames: int | None = None) -> torch.Tensor:
        """(T, 104) normalised stacked log filterbanks of float32 16 kHz mono audio."""
        return _audio_features(audio, num_frames, stack_order=self.config.stack_order_audio,
                               normalize=self.config.normalize)

    def forward(self, feats: torch.Tensor, padding_mask: torch.Tensor | None = None,
                num_layers: int | None = None) -> torch.Tensor:
        """(B, T, 104) features (+ (B, T) bool mask, True = padding) -> (B, T, D).

        ``num_layers=k`` returns the output of transformer layer k (no final layer norm),
        as the reference's ``output_layer``.
        """
        if feats.dim() != 3 or feats.shape[-1] != self.config.audio_feat_dim:
            raise ValueError(f"expected (B, T, {self.config.audio_feat_dim}) features, "
                             f"got {tuple(feats.shape)}")
        return self.encoder(audio=feats.transpose(1, 2), padding_mask=padding_mask,
                            num_layers=num_layers)

    def encode_audio(self, clip_or_audio: Any, num_frames: int | None = None,
                     device: "str | torch.device | None" = None) -> torch.Tensor:
        """(T, D) features at 25 Hz for a Clip (aligned to its frames) or a float32 array."""
        audio = clip_or_audio
        if hasattr(clip_or_audio, "audio") and hasattr(clip_or_audio, "sample_rate"):
            clip = clip_or_audio
            if clip.sample_rate != 16000:
                raise ValueError(f"clip {clip.id}: audio is {clip.sample_rate} Hz, need 16 kHz")
            audio = clip.audio
            if num_frames is None and clip.frames_source is not None:
                num_frames = clip.num_frames
        feats = self.audio_features(np.asarray(audio, dtype=np.float32), num_frames)
        if device is None:
            device = next(self.parameters()).device
        return self(feats[None].to(device))[0]
