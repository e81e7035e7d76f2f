"""Name mapping between DiffTalk's CompVis/Lightning checkpoint and the diffusers-based model.

One table of (LDM module prefix, our module prefix, kind) is built from the config. Import and
export both walk the model's own keys and name each one's checkpoint key with ``to_ckpt_key``,
so the round trip is exact by construction.
"""

from __future__ import annotations

from talkbench_difftalk.config import DiffTalkConfig

# Inside an openaimodel ResBlock -> diffusers ResnetBlock2D.
_RES = {"in_layers.0": "norm1", "in_layers.2": "conv1", "emb_layers.1": "time_emb_proj",
        "out_layers.0": "norm2", "out_layers.3": "conv2", "skip_connection": "conv_shortcut"}
# Inside a taming/LDM first-stage ResnetBlock.
_VQRES = {"norm1": "norm1", "conv1": "conv1", "norm2": "norm2", "conv2": "conv2",
          "nin_shortcut": "conv_shortcut"}
# Inside the first-stage AttnBlock (1x1 convs) -> diffusers Attention (Linear).
_VQATTN = {"norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"}
RENAMES = {"res": _RES, "vqres": _VQRES, "vqattn": _VQATTN}

UNET = "model.diffusion_model."
EMA = "model_ema."
VQ = "first_stage_model."
COND = {"cond_stage_model_for_audio.": "cond.audio.",
        "cond_stage_model_for_audio_smooth.": "cond.audio_smooth.",
        "cond_stage_model_for_ldm.": "cond.ldm."}
SCHEDULE_KEYS = ("betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                 "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod",
                 "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
                 "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2")
EMA_EXTRA = ("model_ema.decay", "model_ema.num_updates")


def unet_table(cfg: DiffTalkConfig) -> list[tuple[str, str, str]]:
    u = cfg.unet
    levels, nrb = len(u.channel_mult), u.num_res_blocks
    attn = [2 ** i in u.attention_resolutions for i in range(levels)]
    t = [("time_embed.0", "time_embedding.linear_1", ""), ("time_embed.2", "time_embedding.linear_2", ""),
         ("input_blocks.0.0", "conv_in", ""), ("out.0", "conv_norm_out", ""), ("out.2", "conv_out", ""),
         ("middle_block.0", "mid_block.resnets.0", "res"),
         ("middle_block.1", "mid_block.attentions.0", ""),
         ("middle_block.2", "mid_block.resnets.1", "res")]
    for lvl in range(levels):
        for j in range(nrb):
            n = 1 + lvl * (nrb + 1) + j
            t.append((f"input_blocks.{n}.0", f"down_blocks.{lvl}.resnets.{j}", "res"))
            if attn[lvl]:
                t.append((f"input_blocks.{n}.1", f"down_blocks.{lvl}.attentions.{j}", ""))
        if lvl < levels - 1:
            n = 1 + lvl * (nrb + 1) + nrb
            t.append((f"input_blocks.{n}.0.op", f"down_blocks.{lvl}.downsamplers.0.conv", ""))
    for i in range(levels):
        has_attn = attn[levels - 1 - i]
        for j in range(nrb + 1):
            n = i * (nrb + 1) + j
            t.append((f"output_blocks.{n}.0", f"up_blocks.{i}.resnets.{j}", "res"))
            if has_attn:
                t.append((f"output_blocks.{n}.1", f"up_blocks.{i}.attentions.{j}", ""))
            if j == nrb and i < levels - 1:
                t.append((f"output_blocks.{n}.{2 if has_attn else 1}.conv",
                          f"up_blocks.{i}.upsamplers.0.conv", ""))
    return t


def vq_table(cfg: DiffTalkConfig) -> list[tuple[str, str, str]]:
    v = cfg.vq
    n, nrb = len(v.ch_mult), v.num_res_blocks
    t = [("quant_conv", "quant_conv", ""), ("post_quant_conv", "post_quant_conv", ""),
         ("quantize.embedding", "quantize.embedding", "")]
    for part in ("encoder", "decoder"):
        t += [(f"{part}.conv_in", f"{part}.conv_in", ""), (f"{part}.conv_out", f"{part}.conv_out", ""),
              (f"{part}.norm_out", f"{part}.conv_norm_out", ""),
              (f"{part}.mid.block_1", f"{part}.mid_block.resnets.0", "vqres"),
              (f"{part}.mid.attn_1", f"{part}.mid_block.attentions.0", "vqattn"),
              (f"{part}.mid.block_2", f"{part}.mid_block.resnets.1", "vqres")]
    for lvl in range(n):
        for b in range(nrb):
            t.append((f"encoder.down.{lvl}.block.{b}", f"encoder.down_blocks.{lvl}.resnets.{b}", "vqres"))
        if lvl < n - 1:
            t.append((f"encoder.down.{lvl}.downsample.conv", f"encoder.down_blocks.{lvl}.downsamplers.0.conv", ""))
        # LDM's up.L is indexed by resolution (up.0 runs last); diffusers' by execution order.
        i = n - 1 - lvl
        for b in range(nrb + 1):
            t.append((f"decoder.up.{lvl}.block.{b}", f"decoder.up_blocks.{i}.resnets.{b}", "vqres"))
        if lvl > 0:
            t.append((f"decoder.up.{lvl}.upsample.conv", f"decoder.up_blocks.{i}.upsamplers.0.conv", ""))
    return t


def full_table(cfg: DiffTalkConfig) -> list[tuple[str, str, str]]:
    """(checkpoint prefix, model prefix, kind) for every module, with the top-level prefixes."""
    rows = [(UNET + a, "unet." + b, k) for a, b, k in unet_table(cfg)]
    rows += [(VQ + a, "vq." + b, k) for a, b, k in vq_table(cfg)]
    rows += [(a, b, "") for a, b in COND.items()]
    return rows


def _match(name: str, prefix: str) -> str | None:
    """The rest of ``name`` after module ``prefix`` ("" for a parameter of it), or None."""
    if prefix.endswith("."):
        return name[len(prefix):] if name.startswith(prefix) else None
    if name.startswith(prefix + "."):
        return name[len(prefix) + 1:]
    return None


def _to_ckpt_name(rest: str, kind: str) -> str:
    """A diffusers sub-module path → the checkpoint's name for it (RENAMES read backwards)."""
    table = RENAMES.get(kind)
    if not table:
        return rest
    pairs = [(b, a) for a, b in table.items()]
    for src, dst in sorted(pairs, key=lambda p: -len(p[0])):
        if rest.startswith(src + "."):
            return dst + rest[len(src):]
    return rest


def to_ckpt_key(model_key: str, table) -> str | None:
    best = None
    for src, dst, kind in table:
        rest = _match(model_key, dst)
        if rest is not None and (best is None or len(dst) > len(best[1])):
            best = (src, dst, kind, rest)
    if best is None:
        return None
    src, dst, kind, rest = best
    return f"{src}{'' if src.endswith('.') else '.'}{_to_ckpt_name(rest, kind)}"


def ema_key(unet_ckpt_key: str) -> str:
    """LitEma's buffer name: everything after ``model.`` with the dots removed."""
    return EMA + unet_ckpt_key[len("model."):].replace(".", "")
