"""Seeded TalkLip checkpoints in the official layout (tiny AV-HuBERT so that CPU tests are quick)."""

from __future__ import annotations

from pathlib import Path

import torch

from talkbench_avhubert import AVHubertEncoder, get_config
from talkbench_talklip.network import OFFICIAL_AUDIO_PREFIX, TalkLip, to_talklip_state


def official_state(seed: int = 0, preset: str = "tiny") -> dict[str, torch.Tensor]:
    """What ``TalkLip(...).state_dict()`` holds in Sxjdwang/TalkLip, with seeded random values.

    Includes the tensors TalkLip saves but never uses at inference: the AV-HuBERT video
    front-end, ``mask_emb``, ``label_embs_concat`` and the contrastive ``sync_net`` head.
    """
    torch.manual_seed(seed)
    cfg = get_config(preset)
    model = TalkLip(cfg)
    gen = torch.Generator().manual_seed(seed + 1)
    for mod in model.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):  # non-trivial eval-mode BN
            mod.running_mean.copy_(0.1 * torch.randn(mod.num_features, generator=gen))
            mod.running_var.copy_(torch.rand(mod.num_features, generator=gen) + 0.5)
    for p in model.audio_encoder.parameters():  # default LayerNorm/bias init is too regular
        p.data.add_(0.02 * torch.randn(p.shape, generator=gen))
    amplify_audio_path(model)
    state = to_talklip_state(model)
    video = AVHubertEncoder(cfg, with_video=True).feature_extractor_video.state_dict()
    state.update({f"{OFFICIAL_AUDIO_PREFIX}feature_extractor_video.{k}": v for k, v in video.items()})
    d = cfg.encoder_embed_dim
    # masking_type "input" masks the 104-dim features; TalkLip's task_state.pt holds one
    # 2000-cluster dictionary (+4 specials), final_dim 256 (shapes TalkLip's own code builds)
    state[OFFICIAL_AUDIO_PREFIX + "mask_emb"] = torch.rand(cfg.audio_feat_dim, generator=gen)
    state[OFFICIAL_AUDIO_PREFIX + "label_embs_concat"] = torch.rand(2004, 256, generator=gen)
    state["sync_net.Linearaudio.weight"] = torch.rand(d, d, generator=gen)
    state["sync_net.Linearaudio.bias"] = torch.rand(d, generator=gen)
    return state


def amplify_audio_path(model: TalkLip, gain: float = 3.0, skip: float = 0.5) -> None:
    """The calibration fixture's decoder-gain recipe (PROTOCOL.md, step 4), applied here too.

    With default init the skip connections wash the audio path out (a different audio frame
    moves the output by ~4e-7); scaling, in every layer that takes cat(x, skip), the input
    channels from x by ``gain`` and those from the skip by ``skip`` makes the audio matter.
    """
    layers = [blk[0].conv_block[0] for blk in list(model.face_decoder_blocks)[1:]]
    layers.append(model.output_block[0].conv_block[0])
    with torch.no_grad():
        for block, layer in zip(list(model.face_decoder_blocks), layers):
            w = layer.weight  # Conv2d: (out, in, k, k); ConvTranspose2d: (in, out, k, k)
            n_x = block[-1].conv_block[1].num_features
            if isinstance(layer, torch.nn.ConvTranspose2d):
                w[:n_x] *= gain
                w[n_x:] *= skip
            else:
                w[:, :n_x] *= gain
                w[:, n_x:] *= skip


def write_seeded_talklip(path: Path, seed: int = 0, *, module_prefix: bool = False, state=None) -> Path:
    sd = official_state(seed) if state is None else state
    if module_prefix:
        sd = {f"module.{k}": v for k, v in sd.items()}
    torch.save({"state_dict": sd, "global_step": 0}, path)
    return path
