"""DiffTalk training with HF Accelerate: frozen VQ first stage, DDPM ε-prediction, EMA.

Layout of ``out_dir``: ``model/`` (save_pretrained directory: raw + EMA UNet, VQ, conditioners,
config; what ``--checkpoint`` takes) and ``train_state.pt`` (step, optimiser, EMA counter,
losses). Both are replaced atomically at every save, so an interrupted run resumes from the
last save with ``--resume``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from talkbench_difftalk.config import DiffTalkConfig, from_difftalk_yaml, preset
from talkbench_difftalk.ema import UNetEMA
from talkbench_difftalk.model import DiffTalkModel
from talkbench_difftalk.train_data import FrameDataset, prepare_clips

STATE = "train_state.pt"


class Denoiser(nn.Module):
    """The trained parts in one module (UNet + conditioners, DiffTalk's cond_stage_trainable)."""

    def __init__(self, model: DiffTalkModel) -> None:
        super().__init__()
        self.unet, self.cond = model.unet, model.cond

    def forward(self, x_t, t, z_masked, z_reference, audio, landmarks):
        ctx = self.cond(audio, landmarks)
        x_in = torch.cat([x_t, z_masked, z_reference], dim=1)
        return self.unet(x_in, t, encoder_hidden_states=ctx).sample


def model_config(opts: dict[str, Any]) -> DiffTalkConfig:
    return from_difftalk_yaml(opts["config_yaml"]) if opts["config_yaml"] else preset(opts["config"])


def save_atomic(model: DiffTalkModel, out_dir: Path, state: dict[str, Any]) -> Path:
    tmp = out_dir / ".model.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    final, old = out_dir / "model", out_dir / ".model.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    stmp = out_dir / f".{STATE}.tmp"
    torch.save(state, stmp)
    stmp.replace(out_dir / STATE)
    (out_dir / ".summary.json.tmp").write_text(json.dumps(
        {k: v for k, v in state.items() if k not in ("optimizer",)}, indent=1))
    (out_dir / ".summary.json.tmp").replace(out_dir / "train_summary.json")
    return final


def train_vq(model: DiffTalkModel, loader, steps: int, lr: float, device: str, progress: bool) -> list[float]:
    """A brief VQ-f4 warm-up on the training faces (L1 + codebook/commitment loss).

    DiffTalk uses a pretrained VQ-f4 (frozen); for the tiny CPU preset there is none, so the
    first stage is fitted here for a few hundred steps and then frozen.
    """
    from talkbench import progress_bar

    vq = model.vq.to(device).train()
    opt = torch.optim.Adam(vq.parameters(), lr=lr)
    losses, it = [], iter(loader)
    with progress_bar(steps, "difftalk: VQ first stage", unit="steps", enabled=progress) as bar:
        for _ in range(steps):
            try:
                batch = next(it)
            except StopIteration:
                it = iter(loader)
                batch = next(it)
            x = batch["image"].to(device)
            out = vq(x)
            loss = F.l1_loss(out.sample, x) + out.commit_loss.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            bar.describe(f"difftalk: VQ first stage, loss {losses[-1]:.4f}")  # kept in a log's lines
            bar.advance()
    vq.eval().requires_grad_(False)
    return losses


def train_difftalk(opts: dict[str, Any], dataset, *, split: str, out_dir: Path, device: str = "cpu",
                   seed: int = 0, resume: bool = False, max_steps: int | None = None,
                   progress: bool = True) -> Path:
    from talkbench import make_accelerator, progress_bar
    from talkbench_difftalk.schedule import make_ddpm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = int(max_steps if max_steps is not None else opts["steps"])
    acc = make_accelerator(cpu=not str(device).startswith("cuda"), mixed_precision=opts["mixed_precision"])
    torch.manual_seed(seed)
    resuming = resume and (out_dir / STATE).is_file() and (out_dir / "model" / "config.json").is_file()
    if resuming:
        model = DiffTalkModel.from_pretrained(out_dir / "model")
        state = torch.load(out_dir / STATE, map_location="cpu", weights_only=False)
    else:
        model, state = DiffTalkModel(model_config(opts)), None
    cfg = model.config
    clips = prepare_clips(dataset, split, cfg.image_size, cfg.latent_size, opts["audio_features"],
                          limit=opts["limit"] or None, progress=progress and acc.is_main_process)
    data = FrameDataset(clips, seed=seed + (state["step"] if state else 0))
    gen = torch.Generator().manual_seed(seed + (state["step"] if state else 0))
    bs = min(opts["batch_size"], len(data))
    loader = torch.utils.data.DataLoader(data, batch_size=bs, shuffle=True, drop_last=True, generator=gen)
    vq_losses = list(state["vq_losses"]) if state else []
    if not resuming:
        if opts["vq_from"]:
            from talkbench_difftalk.vq_weights import load_vq_weights
            load_vq_weights(model, opts["vq_from"])
        elif opts["vq_steps"] > 0:
            vq_losses = train_vq(model, loader, opts["vq_steps"], opts["vq_lr"], acc.device, progress and acc.is_main_process)
        else:
            raise ValueError("difftalk training needs a first stage: --option vq_from=DIR_OR_CKPT "
                             "(a pretrained VQ-f4) or --option vq_steps=N to fit one on the data")
    model.vq.to(acc.device).eval().requires_grad_(False)
    model.ema_unet.to(acc.device)
    denoiser = Denoiser(model)
    opt = torch.optim.AdamW(denoiser.parameters(), lr=opts["lr"])
    if state:
        opt.load_state_dict(state["optimizer"])
    denoiser, opt, loader = acc.prepare(denoiser, opt, loader)
    ema = UNetEMA(opts["ema_decay"], state["ema_num_updates"] if state else 0)
    ddpm = make_ddpm(cfg)
    start = state["step"] if state else 0
    losses: list[float] = list(state["losses"]) if state else []
    final = out_dir / "model"
    it = iter(loader)

    def snapshot(step: int) -> Path:
        acc.wait_for_everyone()
        if not acc.is_main_process:
            return final
        return save_atomic(model, out_dir, {
            "step": step, "optimizer": opt.state_dict(), "ema_num_updates": ema.num_updates,
            "losses": losses, "vq_losses": vq_losses, "options": dict(opts), "seed": seed,
            "dataset": getattr(dataset, "name", ""), "split": split, "model": "difftalk",
            "audio_features": opts["audio_features"]})

    with progress_bar(max(steps - start, 0), "difftalk: diffusion", unit="steps",
                      enabled=progress and acc.is_main_process) as bar:
        for step in range(start, steps):
            try:
                batch = next(it)
            except StopIteration:
                it = iter(loader)
                batch = next(it)
            with torch.no_grad():
                z = model.encode_target(batch["image"])
                z_m, z_r = model.encode(batch["masked"]), model.encode(batch["reference"])
            noise = torch.randn_like(z)
            t = torch.randint(0, cfg.timesteps, (z.shape[0],), device=z.device)
            x_t = ddpm.add_noise(z, noise, t)
            with acc.autocast():
                eps = denoiser(x_t, t, z_m, z_r, batch["audio"], batch["landmarks"])
                loss = F.mse_loss(eps.float(), noise)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"difftalk: loss became {float(loss)} at step {step}; lower --option lr")
            acc.backward(loss)
            if opts["grad_clip"] > 0:
                acc.clip_grad_norm_(denoiser.parameters(), opts["grad_clip"])
            opt.step()
            opt.zero_grad()
            ema.update(model.ema_unet, acc.unwrap_model(denoiser).unet)
            losses.append(float(loss.detach()))
            bar.describe(f"difftalk: diffusion, loss {losses[-1]:.4f}")
            bar.advance()
            if (step + 1) % opts["save_every"] == 0 and step + 1 < steps:
                snapshot(step + 1)
    return snapshot(max(steps, start))
