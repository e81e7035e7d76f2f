"""Noise schedules, all diffusers: DDPM for training, DDIM (LDM's) and DPM-Solver++ for sampling.

LDM's schedule is linear in sqrt(beta) from 0.0015 to 0.0195 over 1000 steps, which diffusers
calls ``scaled_linear``. The DDIM settings are the ones LDM's sampler implies: ``leading``
timesteps shifted by one (``steps_offset=1``), alpha_prev of the first step = alphas_cumprod[0]
(``set_alpha_to_one=False``), eta 0, no clipping of x0.
"""

from __future__ import annotations

import talkbench

talkbench.import_torchvision()  # diffusers imports torchvision; only the shim makes that work
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler  # noqa: E402

SCHEDULE = dict(num_train_timesteps=1000, beta_start=0.0015, beta_end=0.0195,
                beta_schedule="scaled_linear", prediction_type="epsilon")


def train_scheduler() -> DDPMScheduler:
    return DDPMScheduler(**SCHEDULE, clip_sample=False)


def sampler(name: str, steps: int):
    """A sampling scheduler with ``steps`` set (``ddim`` as LDM, or ``dpmsolver`` = DPM-Solver++ 2M)."""
    if name == "ddim":
        sched = DDIMScheduler(**SCHEDULE, clip_sample=False, set_alpha_to_one=False,
                              steps_offset=1, timestep_spacing="leading")
    elif name == "dpmsolver":
        sched = DPMSolverMultistepScheduler(**SCHEDULE, algorithm_type="dpmsolver++",
                                            solver_order=2, timestep_spacing="leading",
                                            steps_offset=1, lower_order_final=True)
    else:
        raise ValueError(f"unknown sampler {name!r}")
    sched.set_timesteps(steps)
    return sched
