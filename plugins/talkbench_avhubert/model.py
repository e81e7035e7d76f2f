"""AV-HuBERT seq2seq (lip reading / AVSR): encoder + decoder + beam search."""

from __future__ import annotations

import torch
from torch import nn

from talkbench_avhubert.config import AVHubertConfig, get_config
from talkbench_avhubert.decoder import TransformerDecoder
from talkbench_avhubert.encoder import AVHubertEncoder


class AVHubertSeq2Seq(nn.Module):
    def __init__(self, cfg: AVHubertConfig) -> None:
        super().__init__()
        if not cfg.is_seq2seq:
            raise ValueError("AVHubertSeq2Seq needs decoder_layers > 0")
        self.cfg = cfg
        self.encoder = AVHubertEncoder(cfg)
        self.decoder = TransformerDecoder(cfg)

    @classmethod
    def from_preset(cls, name: str = "large", **overrides) -> "AVHubertSeq2Seq":
        return cls(get_config(name, seq2seq=True, **overrides))

    def encode(self, audio=None, video=None, padding_mask=None, intermediates=None, video_feats=None):
        """Encoder output as fairseq hands it to the decoder: (T, B, D) and the padding mask.
        ``video_feats``: the video front-end's output, when computed already (a batch of clips)."""
        x = self.encoder(audio, video, padding_mask, intermediates, video_feats=video_feats)
        return x.transpose(0, 1), padding_mask

    def forward(self, prev_tokens, audio=None, video=None, padding_mask=None):
        """Teacher-forced logits (B, L, V)."""
        enc, mask = self.encode(audio, video, padding_mask)
        return self.decoder(prev_tokens, enc, mask)

    @torch.no_grad()
    def generate(self, audio=None, video=None, padding_mask=None, **beam_options):
        """Best-first hypotheses (dicts with tokens, score, positional_scores) for one input."""
        from talkbench_avhubert.beam import beam_search, source_length

        enc, mask = self.encode(audio, video, padding_mask)
        src_len = source_length(audio, video, padding_mask)
        return beam_search(self.decoder, enc, mask, src_len, eos=self.cfg.eos_idx,
                           pad=self.cfg.pad_idx, unk=self.cfg.unk_idx, **beam_options)
