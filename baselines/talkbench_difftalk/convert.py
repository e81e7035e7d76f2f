"""Load a DiffTalk CompVis/Lightning checkpoint into DiffTalkModel (strictly), and export back.

``load_difftalk_checkpoint("last.ckpt", "talking.yaml")`` sizes the model from the DiffTalk
yaml, maps every tensor (``model.diffusion_model.*``, dot-less ``model_ema.*``,
``first_stage_model.*``, ``cond_stage_model_for_*``) and refuses with the full list of
missing / unexpected / mis-shaped keys.
"""

from __future__ import annotations

import lzma
from pathlib import Path
from typing import Mapping

import torch

from talkbench_difftalk import keymap
from talkbench_difftalk.config import DiffTalkConfig, from_difftalk_yaml
from talkbench_difftalk.model import DiffTalkModel
from talkbench_difftalk.schedule import ldm_alphas_cumprod


class CheckpointLayoutError(ValueError):
    """The checkpoint's keys do not match the configured DiffTalk model."""


def _is_vq_attn_proj(model_key: str) -> bool:
    return ".mid_block.attentions." in model_key and model_key.startswith("vq.") \
        and model_key.endswith(".weight") and "group_norm" not in model_key


def expected_keys(model: DiffTalkModel) -> dict[str, str]:
    """checkpoint key -> model key, for every tensor the model has (EMA included)."""
    table = keymap.full_table(model.config)
    out: dict[str, str] = {}
    for name in model.state_dict():
        if name.startswith("ema_unet."):
            continue
        ck = keymap.to_ckpt_key(name, table)
        if ck is None:
            raise RuntimeError(f"DiffTalk key map has no checkpoint name for {name}")
        out[ck] = name
        if model.ema_unet is not None and ck.startswith(keymap.UNET):
            out[keymap.ema_key(ck)] = "ema_" + name
    return out


def _format_problems(path, missing, unexpected, shapes) -> str:
    def head(items, n=12):
        items = sorted(items)
        more = f" ... (+{len(items) - n} more)" if len(items) > n else ""
        return ", ".join(items[:n]) + more

    parts = []
    if missing:
        parts.append(f"{len(missing)} missing keys: {head(missing)}")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected keys: {head(unexpected)}")
    if shapes:
        parts.append(f"{len(shapes)} shape mismatches: {head(shapes)}")
    return (f"{path}: not a DiffTalk checkpoint for this config: " + "; ".join(parts)
            + ". Check that the yaml matches the checkpoint (model_channels, n_embed, ...).")


def read_checkpoint(path: str | Path) -> Mapping[str, torch.Tensor]:
    """The ``state_dict`` of a Lightning .ckpt (``.xz`` accepted), or a bare state dict."""
    path = Path(path)
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rb") as fh:
        ckpt = torch.load(fh, map_location="cpu", weights_only=True)
    return ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else ckpt


def load_state_dict_ldm(model: DiffTalkModel, sd: Mapping[str, torch.Tensor], source: str = "checkpoint"):
    """Copy a CompVis-layout state dict into ``model``; strict. Returns a load report."""
    expected = expected_keys(model)
    ignorable = set(keymap.SCHEDULE_KEYS) | set(keymap.EMA_EXTRA)
    have_ema = any(k.startswith(keymap.EMA) and k not in keymap.EMA_EXTRA for k in sd)
    if model.ema_unet is not None and not have_ema:
        # A checkpoint trained with use_ema=False: load the raw UNet only, say so in the report.
        expected = {k: v for k, v in expected.items() if not k.startswith(keymap.EMA)}
        model.ema_unet = None
    missing = set(expected) - set(sd)
    unexpected = set(sd) - set(expected) - ignorable
    own = model.state_dict()
    shapes = []
    for ck, mk in expected.items():
        if ck in sd and tuple(sd[ck].shape) != tuple(own[mk].shape):
            if not (_is_vq_attn_proj(mk) and sd[ck].numel() == own[mk].numel()):
                shapes.append(f"{ck} {tuple(sd[ck].shape)} vs {tuple(own[mk].shape)}")
    if missing or unexpected or shapes:
        raise CheckpointLayoutError(_format_problems(source, missing, unexpected, shapes))
    if "alphas_cumprod" in sd:
        ours = ldm_alphas_cumprod(model.config).float()
        diff = float((sd["alphas_cumprod"].float() - ours).abs().max())
        if diff > 1e-6:
            raise CheckpointLayoutError(
                f"{source}: its noise schedule differs from the config's (max |Δ alphas_cumprod| "
                f"{diff:.2e}); set linear_start/linear_end/timesteps as in the training yaml")
    new_state = {mk: sd[ck].reshape(own[mk].shape).to(own[mk].dtype) for ck, mk in expected.items()}
    model.load_state_dict(new_state, strict=True)
    return {"missing_keys": [], "unexpected_keys": [], "n_tensors": len(new_state),
            "ema": model.ema_unet is not None,
            "ema_num_updates": int(sd["model_ema.num_updates"]) if "model_ema.num_updates" in sd else None}


def load_difftalk_checkpoint(ckpt: str | Path, config: str | Path | DiffTalkConfig) -> tuple[DiffTalkModel, dict]:
    cfg = config if isinstance(config, DiffTalkConfig) else from_difftalk_yaml(config)
    model = DiffTalkModel(cfg, with_ema=True)
    report = load_state_dict_ldm(model, read_checkpoint(ckpt), source=str(ckpt))
    return model.eval(), report


def export_state_dict_ldm(model: DiffTalkModel, num_updates: int = 0, decay: float = 0.9999) -> dict:
    """The model in DiffTalk's checkpoint layout (``{"state_dict": ...}`` content)."""
    from talkbench_difftalk.schedule import ldm_schedule_buffers

    own = model.state_dict()
    out: dict[str, torch.Tensor] = {}
    for ck, mk in expected_keys(model).items():
        t = own[mk].detach().clone()
        if _is_vq_attn_proj(mk) and t.dim() == 2:
            t = t[:, :, None, None]   # LDM's AttnBlock uses 1x1 convs
        out[ck] = t
    out.update(ldm_schedule_buffers(model.config))
    if model.ema_unet is not None:
        out["model_ema.decay"] = torch.tensor(decay, dtype=torch.float32)
        out["model_ema.num_updates"] = torch.tensor(num_updates, dtype=torch.int)
    return out
