"""DiffTalk's noise schedule and samplers on diffusers schedulers.

LDM's "linear" schedule is diffusers' ``scaled_linear`` (linspace in sqrt space, squared).
LDM computes it in float64 and stores float32; diffusers computes it in float32. The
schedulers below are configured the diffusers way and then given LDM's exact
``alphas_cumprod`` so that sampling matches the reference bit for bit where it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from talkbench_difftalk._diffusers import diffusers
from talkbench_difftalk.config import DiffTalkConfig


def ldm_betas(cfg: DiffTalkConfig) -> np.ndarray:
    return np.linspace(cfg.linear_start ** 0.5, cfg.linear_end ** 0.5, cfg.timesteps, dtype=np.float64) ** 2


def ldm_alphas_cumprod(cfg: DiffTalkConfig) -> torch.Tensor:
    return torch.from_numpy(np.cumprod(1.0 - ldm_betas(cfg)))


def ldm_schedule_buffers(cfg: DiffTalkConfig) -> dict[str, torch.Tensor]:
    """The float32 buffers LDM's ``register_schedule`` stores in a checkpoint (v_posterior 0)."""
    betas = ldm_betas(cfg)
    alphas = 1.0 - betas
    ac = np.cumprod(alphas)
    ac_prev = np.append(1.0, ac[:-1])
    post_var = betas * (1.0 - ac_prev) / (1.0 - ac)
    raw = {
        "betas": betas, "alphas_cumprod": ac, "alphas_cumprod_prev": ac_prev,
        "sqrt_alphas_cumprod": np.sqrt(ac), "sqrt_one_minus_alphas_cumprod": np.sqrt(1.0 - ac),
        "log_one_minus_alphas_cumprod": np.log(1.0 - ac), "sqrt_recip_alphas_cumprod": np.sqrt(1.0 / ac),
        "sqrt_recipm1_alphas_cumprod": np.sqrt(1.0 / ac - 1), "posterior_variance": post_var,
        "posterior_log_variance_clipped": np.log(np.maximum(post_var, 1e-20)),
        "posterior_mean_coef1": betas * np.sqrt(ac_prev) / (1.0 - ac),
        "posterior_mean_coef2": (1.0 - ac_prev) * np.sqrt(alphas) / (1.0 - ac),
    }
    return {k: torch.tensor(v, dtype=torch.float32) for k, v in raw.items()}


def _scheduler_kwargs(cfg: DiffTalkConfig) -> dict:
    return dict(num_train_timesteps=cfg.timesteps, beta_start=cfg.linear_start, beta_end=cfg.linear_end,
                beta_schedule="scaled_linear", prediction_type="epsilon", clip_sample=False)


def _use_ldm_alphas(sched, cfg: DiffTalkConfig):
    buf = ldm_schedule_buffers(cfg)
    sched.betas = buf["betas"]
    sched.alphas = 1.0 - buf["betas"]
    sched.alphas_cumprod = buf["alphas_cumprod"]
    return sched


def make_ddim(cfg: DiffTalkConfig):
    """DDIM as DiffTalk's sampler: 'uniform' steps = leading spacing + 1; last alpha_prev = ᾱ[0]."""
    DDIMScheduler = diffusers().DDIMScheduler

    sched = DDIMScheduler(**_scheduler_kwargs(cfg), timestep_spacing="leading", steps_offset=1,
                          set_alpha_to_one=False)
    sched = _use_ldm_alphas(sched, cfg)
    sched.final_alpha_cumprod = sched.alphas_cumprod[0]
    return sched


def make_ddpm(cfg: DiffTalkConfig):
    """The training noise scheduler (q_sample / add_noise with LDM's schedule)."""
    DDPMScheduler = diffusers().DDPMScheduler

    return _use_ldm_alphas(DDPMScheduler(**_scheduler_kwargs(cfg)), cfg)


def q_sample(cfg: DiffTalkConfig, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t = sqrt(ᾱ_t) x0 + sqrt(1-ᾱ_t) ε with LDM's float32 sqrt tables."""
    buf = ldm_schedule_buffers(cfg)
    a = buf["sqrt_alphas_cumprod"].to(x0.device)[t].reshape(-1, 1, 1, 1)
    b = buf["sqrt_one_minus_alphas_cumprod"].to(x0.device)[t].reshape(-1, 1, 1, 1)
    return a * x0 + b * noise


@dataclass
class DDIMTrace:
    timesteps: list[int] = field(default_factory=list)
    x_inter: list[torch.Tensor] = field(default_factory=list)
    pred_x0: list[torch.Tensor] = field(default_factory=list)
    alphas: list[float] = field(default_factory=list)
    alphas_prev: list[float] = field(default_factory=list)


@torch.no_grad()
def ddim_sample(model, context: torch.Tensor, z_masked: torch.Tensor, z_reference: torch.Tensor,
                steps: int = 200, x_T: torch.Tensor | None = None,
                generator: torch.Generator | None = None, ema: bool = True,
                mask: torch.Tensor | None = None, x0: torch.Tensor | None = None,
                inpaint_noises: torch.Tensor | None = None, progress=None, keep_trace: bool = True):
    """DiffTalk's DDIM (eta 0). With ``mask`` (1 = keep ``x0``), before each step the latent is
    blended with q_sample(x0, t) as DiffTalk's inference does; the final latent is not re-blended.

    Returns (latent, DDIMTrace). ``inpaint_noises`` (steps, C, h, w) replays given q_sample noises.
    """
    cfg = model.config
    sched = make_ddim(cfg)
    sched.set_timesteps(steps)
    shape = (z_masked.shape[0], cfg.unet.out_channels, z_masked.shape[2], z_masked.shape[3])
    if x_T is None:
        x_T = torch.randn(shape, generator=generator, dtype=z_masked.dtype).to(z_masked.device)
    x = x_T
    trace = DDIMTrace()
    if mask is not None and x0 is None:
        raise ValueError("ddim_sample: mask given without x0 (the latent to keep)")
    for i, t in enumerate(sched.timesteps):
        t_int = int(t)
        if mask is not None:
            if inpaint_noises is not None:
                n = inpaint_noises[i].to(x).expand_as(x0)
            else:
                n = torch.randn(x0.shape, generator=generator, dtype=x0.dtype).to(x0.device)
            ts = torch.full((x.shape[0],), t_int, dtype=torch.long, device=x.device)
            x = q_sample(cfg, x0, ts, n) * mask + (1.0 - mask) * x
        eps = model.eps(x, t_int, z_masked, z_reference, context, ema=ema)
        out = sched.step(eps, t, x, eta=0.0)
        prev = t_int - cfg.timesteps // steps
        trace.timesteps.append(t_int)
        trace.alphas.append(float(sched.alphas_cumprod[t_int]))
        trace.alphas_prev.append(float(sched.alphas_cumprod[prev] if prev >= 0 else sched.final_alpha_cumprod))
        x = out.prev_sample
        if keep_trace:  # per-step latents cost memory over 200 steps; the calibration wants them
            trace.x_inter.append(x)
            trace.pred_x0.append(out.pred_original_sample)
        if progress is not None:
            progress()
    return x, trace
