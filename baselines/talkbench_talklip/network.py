"""TalkLip (Wang et al., CVPR 2023): Wav2Lip's face encoder/decoder driven by AV-HuBERT audio.

Layout of an official checkpoint (``{"state_dict": ...}``, Sxjdwang/TalkLip models/talklip.py):
``face_encoder_blocks.*``, ``face_decoder_blocks.*``, ``output_block.*`` exactly as Wav2Lip;
``audio_encoder.w2v_model.*`` a fairseq AVHubertModel (video front-end, ``mask_emb`` and
``label_embs_concat`` included though unused at inference); ``audio_map`` Linear(768 → 512);
``sync_net.Linearaudio`` (the contrastive-loss head, training only).

Here the audio encoder is talkbench_avhubert's audio-only ``AudioFeatureEncoder`` (keys
``audio_encoder.encoder.*``); ``from_talklip_state`` converts the official keys onto it.
"""

from __future__ import annotations

import re
from typing import Mapping

import torch
from torch import nn

from talkbench_avhubert import PRESETS, AudioFeatureEncoder, AVHubertConfig
from talkbench_avhubert.checkpoint import split_state
from talkbench_wav2lip.network import FaceUNet, KeyMismatchError, clean_state_dict

OFFICIAL_AUDIO_PREFIX = "audio_encoder.w2v_model."
OURS_AUDIO_PREFIX = "audio_encoder.encoder."
#: the contrastive head and the unused video branch: present in checkpoints, not needed here
DROPPED_PREFIXES = ("sync_net.",)
DROPPED_AUDIO_PREFIXES = ("feature_extractor_video.",)


class TalkLip(FaceUNet):
    """``forward(feats (B, T, 104), faces (N, 6, 96, 96), index (N,))`` → (N, 3, 96, 96).

    ``index`` picks, for each face, its audio frame in the batch-major flattening of the
    (B, T) encoder output, as the reference's ``idAudio``.
    """

    def __init__(self, config: AVHubertConfig) -> None:
        super().__init__()
        # the audio encoder is frozen at inference (the reference wraps it in no_grad)
        self.audio_encoder = AudioFeatureEncoder(config, freeze_layers=-1)
        self.audio_map = nn.Linear(config.encoder_embed_dim, 512)

    def audio_embedding(self, feats: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, T, 104) → (B·T, 512, 1, 1) per-frame embeddings (batch-major)."""
        hidden = self.audio_encoder(feats, padding_mask)
        return self.audio_map(hidden.reshape(-1, hidden.shape[-1]))[:, :, None, None]

    def forward(self, feats: torch.Tensor, faces: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        return self.decode(self.audio_embedding(feats)[index], faces)


def from_talklip_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Official TalkLip keys → this module's keys (prefixes stripped, unused tensors dropped)."""
    state = clean_state_dict(state)
    audio = {k[len(OFFICIAL_AUDIO_PREFIX):]: v for k, v in state.items() if k.startswith(OFFICIAL_AUDIO_PREFIX)}
    audio = {k: v for k, v in audio.items() if not k.startswith(DROPPED_AUDIO_PREFIXES)}
    # split_state drops the pretraining-only tensors and renames both weight-norm key styles
    encoder_state, _ = split_state(audio, seq2seq=False)
    out = {k: v for k, v in state.items()
           if not k.startswith(OFFICIAL_AUDIO_PREFIX) and not k.startswith(DROPPED_PREFIXES)}
    out.update({OURS_AUDIO_PREFIX + k: v for k, v in encoder_state.items()})
    return out


def to_talklip_state(model: TalkLip) -> dict[str, torch.Tensor]:
    """This module's weights under the official key names (for writing test checkpoints)."""
    out = {}
    for key, value in model.state_dict().items():
        if key.startswith(OURS_AUDIO_PREFIX):
            key = OFFICIAL_AUDIO_PREFIX + key[len(OURS_AUDIO_PREFIX):]
        out[key] = value
    return out


def infer_config(state: Mapping[str, torch.Tensor], heads: int = 0) -> AVHubertConfig:
    """The AV-HuBERT shape from converted weights (a TalkLip checkpoint carries no cfg).

    Attention heads cannot be read from shapes: a width matching a preset (base 768 → 12,
    large 1024 → 16, tiny 64 → 4) gives them, otherwise ``heads`` must be passed.
    """
    p = OURS_AUDIO_PREFIX
    try:
        dim = int(state[p + "post_extract_proj.weight"].shape[0])
        feat_dim = int(state[p + "feature_extractor_audio.proj.weight"].shape[1])
        ffn = int(state[p + "encoder.layers.0.fc1.weight"].shape[0])
        pos_v = state[p + "encoder.pos_conv.0.weight_v"]
    except KeyError as exc:
        raise KeyMismatchError(f"TalkLip checkpoint lacks the AV-HuBERT key {exc.args[0]!r}") from None
    layer_ids = {int(m.group(1)) for k in state if (m := re.match(re.escape(p) + r"encoder\.layers\.(\d+)\.", k))}
    if not heads:
        for preset in PRESETS.values():
            if preset["encoder_embed_dim"] == dim:
                heads = preset["encoder_attention_heads"]
                break
        else:
            raise KeyMismatchError(f"AV-HuBERT width {dim} matches no preset; pass --option heads=N")
    return AVHubertConfig(
        encoder_layers=max(layer_ids) + 1, encoder_embed_dim=dim, encoder_ffn_embed_dim=ffn,
        encoder_attention_heads=heads, conv_pos=int(pos_v.shape[2]),
        conv_pos_groups=dim // int(pos_v.shape[1]), audio_feat_dim=feat_dim,
    )
