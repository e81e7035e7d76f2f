"""AV-HuBERT encoder: audio/video front-ends, fusion, wav2vec2-style transformer encoder.

Parameter names match the reference state dict below ``encoder.w2v_model.`` (seq2seq) or at
the top level (pretraining), so ``load_state_dict`` needs no renaming except the weight-norm
style of the positional convolution (see ``checkpoint.py``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from talkbench_avhubert.attention import MultiheadAttention
from talkbench_avhubert.config import AVHubertConfig
from talkbench_avhubert.resnet import ResEncoder


def activation(name: str):
    if name == "gelu":
        return F.gelu  # exact erf form, as fairseq's gelu
    if name == "relu":
        return F.relu
    raise ValueError(f"activation {name!r} is not supported (gelu or relu)")


class WeightNormConv1d(nn.Module):
    """Conv1d with weight norm over dim 2 kept as explicit ``weight_g``/``weight_v`` tensors.

    Stored as plain parameters (not torch's parametrization) so both checkpoint key styles map
    onto one layout and the module stays picklable and scriptable.
    """

    def __init__(self, channels: int, kernel: int, groups: int) -> None:
        super().__init__()
        self.kernel, self.groups = kernel, groups
        self.weight_g = nn.Parameter(torch.ones(1, 1, kernel))
        self.weight_v = nn.Parameter(torch.empty(channels, channels // groups, kernel))
        self.bias = nn.Parameter(torch.zeros(channels))
        nn.init.normal_(self.weight_v, 0, (4.0 / (kernel * channels)) ** 0.5)
        with torch.no_grad():
            self.weight_g.copy_(torch.norm_except_dim(self.weight_v, 2, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = torch._weight_norm(self.weight_v, self.weight_g, 2)
        return F.conv1d(x, weight, self.bias, padding=self.kernel // 2, groups=self.groups)


class PosConv(nn.Module):
    """Convolutional relative positions: conv, drop the extra step of an even kernel, GELU."""

    def __init__(self, channels: int, kernel: int, groups: int) -> None:
        super().__init__()
        # index 0 like the reference nn.Sequential(conv, SamePad, GELU)
        self.add_module("0", WeightNormConv1d(channels, kernel, groups))
        self.trim = 1 if kernel % 2 == 0 else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = getattr(self, "0")(x)
        if self.trim:
            x = x[:, :, : -self.trim]
        return F.gelu(x)


class EncoderLayer(nn.Module):
    def __init__(self, dim: int, ffn: int, heads: int, norm_first: bool, act: str,
                 dropout: float = 0.0, attention_dropout: float = 0.0,
                 activation_dropout: float = 0.0) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(dim, heads, dropout=attention_dropout)
        # fairseq's dropout1/2/3: after attention, after the activation, after fc2
        self.drop = nn.Dropout(dropout)
        self.drop_act = nn.Dropout(activation_dropout)
        self.self_attn_layer_norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, ffn)
        self.fc2 = nn.Linear(ffn, dim)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.norm_first = norm_first
        self.act = activation(act)

    def forward(self, x: torch.Tensor, padding_mask: torch.Tensor | None) -> torch.Tensor:
        def attn(h):
            return self.drop(self.self_attn(h, key_padding_mask=padding_mask))

        def ffn(h):
            return self.drop(self.fc2(self.drop_act(self.act(self.fc1(h)))))

        if self.norm_first:
            x = x + attn(self.self_attn_layer_norm(x))
            return x + ffn(self.final_layer_norm(x))
        x = self.self_attn_layer_norm(x + attn(x))
        return self.final_layer_norm(x + ffn(x))


class TransformerEncoder(nn.Module):
    """fairseq wav2vec2 TransformerEncoder (inference path): (B, T, D) -> (B, T, D)."""

    def __init__(self, cfg: AVHubertConfig) -> None:
        super().__init__()
        d = cfg.encoder_embed_dim
        self.pos_conv = PosConv(d, cfg.conv_pos, cfg.conv_pos_groups)
        self.layers = nn.ModuleList(
            EncoderLayer(d, cfg.encoder_ffn_embed_dim, cfg.encoder_attention_heads,
                         cfg.layer_norm_first, cfg.activation_fn, cfg.dropout,
                         cfg.attention_dropout, cfg.activation_dropout)
            for _ in range(cfg.encoder_layers)
        )
        self.layer_norm = nn.LayerNorm(d)
        self.layer_norm_first = cfg.layer_norm_first
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, padding_mask=None, intermediates=None, num_layers=None):
        if padding_mask is not None:
            x = x.masked_fill(padding_mask[..., None], 0.0)
        x = x + self.pos_conv(x.transpose(1, 2)).transpose(1, 2)
        if not self.layer_norm_first:
            x = self.layer_norm(x)
        x = self.drop(x).transpose(0, 1)  # T, B, D as fairseq
        for i, layer in enumerate(self.layers[:num_layers]):
            x = layer(x, padding_mask)
            if intermediates is not None:
                intermediates[f"encoder_layer{i}_out_TBD"] = x
        x = x.transpose(0, 1)
        # fairseq applies the final norm only when the whole stack ran (layer=None)
        if self.layer_norm_first and num_layers is None:
            x = self.layer_norm(x)
        return x


class SubModel(nn.Module):
    """One modality's front-end: optional ResNet, then Linear to the model width (B, D, T)."""

    def __init__(self, input_dim: int, dim: int, resnet: nn.Module | None = None) -> None:
        super().__init__()
        if resnet is not None:
            self.resnet = resnet
        self.proj = nn.Linear(input_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if hasattr(self, "resnet"):
            x = self.resnet(x)
        return self.proj(x.transpose(1, 2)).transpose(1, 2)


class AVHubertEncoder(nn.Module):
    """Fused audio-visual encoder.

    ``forward(audio (B, F=104, T) or None, video (B, 1, T, 88, 88) or None, padding_mask)``
    returns (B, T, D). A missing modality contributes zeros, as the reference's
    ``extract_finetune``. ``with_video=False`` builds no ResNet (audio-only feature models).
    """

    def __init__(self, cfg: AVHubertConfig, with_video: bool = True) -> None:
        super().__init__()
        if cfg.modality_fuse != "concat":
            raise ValueError(f"modality_fuse {cfg.modality_fuse!r}: only concat is supported")
        d = cfg.encoder_embed_dim
        self.cfg = cfg
        self.embed_dim = d
        self.feature_extractor_audio = SubModel(cfg.audio_feat_dim, d)
        if with_video:
            self.feature_extractor_video = SubModel(512, d, ResEncoder(cfg.resnet_relu_type))
        self.layer_norm = nn.LayerNorm(2 * d)
        self.post_extract_proj = nn.Linear(2 * d, d)
        self.encoder = TransformerEncoder(cfg)

    @property
    def has_video(self) -> bool:
        return hasattr(self, "feature_extractor_video")

    def video_features(self, videos: list[torch.Tensor]) -> list[torch.Tensor]:
        """The video front-end (ResNet + projection) of several clips (each (B_i, 1, T_i, H, W),
        one H×W) in one trunk call (``ResEncoder.forward_clips``): (B_i, D, T_i) per clip, to pass
        to ``forward(video_feats=...)``."""
        if not self.has_video:
            raise ValueError("this AV-HuBERT encoder was built without the video front-end")
        sub = self.feature_extractor_video
        return [sub.proj(r.transpose(1, 2)).transpose(1, 2) for r in sub.resnet.forward_clips(videos)]

    def forward(self, audio=None, video=None, padding_mask=None, intermediates=None, num_layers=None,
                video_feats=None):
        """``video_feats``: this clip's video front-end output (B, D, T) when it was computed
        already (``video_features``); then ``video`` is not read."""
        if audio is None and video is None and video_feats is None:
            raise ValueError("AV-HuBERT needs audio, video or both")
        feats_a = self.feature_extractor_audio(audio) if audio is not None else None
        if video_feats is not None:
            feats_v = video_feats
        elif video is not None:
            if not self.has_video:
                raise ValueError("this AV-HuBERT encoder was built without the video front-end")
            feats_v = self.feature_extractor_video(video)
        else:
            feats_v = None
        ref = feats_a if feats_a is not None else feats_v
        zeros = ref.new_zeros(ref.shape[0], self.embed_dim, ref.shape[-1])
        feats_a = zeros if feats_a is None else feats_a
        feats_v = zeros if feats_v is None else feats_v
        x = self.layer_norm(torch.cat([feats_a, feats_v], dim=1).transpose(1, 2))
        if intermediates is not None:
            intermediates["audio_frontend_out_BDT"] = feats_a
            intermediates["video_frontend_out_BDT"] = feats_v
            intermediates["fused_layernorm_out_BTC"] = x
        x = self.post_extract_proj(x)
        if intermediates is not None:
            intermediates["post_extract_proj_out_BTD"] = x
        return self.encoder(x, padding_mask, intermediates, num_layers)
