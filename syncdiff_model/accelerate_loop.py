"""The Accelerate training loop both stages run (``run_stage``), with its EMA and checkpoints.

Accelerate gives multi-GPU/multi-process (DDP; gloo on CPU), bf16 autocast on GPUs, gradient
accumulation and ``save_state``/``load_state`` of model, optimiser, LR schedule, RNG and the
EMA (registered for checkpointing). Batches and noise are drawn from generators seeded by
(seed, step, rank), so a resumed run continues exactly where an uninterrupted one would be.
A non-finite loss stops the run with the step and the batch; the last checkpoint is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

import talkbench
from talkbench import TalkbenchError
from syncdiff_model.run_dir import RunDir

talkbench.import_torchvision()
from diffusers.training_utils import EMAModel  # noqa: E402


class TrainingDiverged(TalkbenchError):
    """A NaN/inf loss: the run stops, the last good checkpoint stays."""


@dataclass
class StageSpec:
    name: str                       # "ae" or "ldm"
    model: torch.nn.Module
    lr: float
    total_steps: int
    batch_size: int
    grad_accum: int
    ema_decay: float
    checkpoint_every: int
    preview_every: int
    log_every: int
    #: loss(model, micro_step, rank) -> (loss tensor, description of the batch)
    loss: Callable[[torch.nn.Module, int, int], tuple[torch.Tensor, str]]
    #: preview(unwrapped model, step) -> rows of uint8 image strips, or None
    preview: Callable[[torch.nn.Module, int], list] | None = None


def make_accelerator(device: str, grad_accum: int):
    from talkbench import make_accelerator

    cuda = device.startswith("cuda")
    return make_accelerator(cpu=not cuda, mixed_precision="bf16" if cuda else "no",
                       gradient_accumulation_steps=grad_accum)


def run_stage(spec: StageSpec, device: str, out_dir, resume: bool = False, show_progress: bool = True):
    """Train ``spec.model`` in place; returns the stage's Accelerator (for unwrap/ranks).

    Each stage gets its own Accelerator so that its checkpoints hold only its own model,
    optimiser and EMA (a stage=ldm run resumes without the autoencoder's state).
    """
    accelerator = make_accelerator(device, spec.grad_accum)
    run = RunDir(out_dir, spec.name, is_main=accelerator.is_main_process)
    params = [p for p in spec.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=spec.lr, weight_decay=0.0)
    # LDM trains at a constant learning rate; a schedule object keeps resume symmetrical
    lr_schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    model, optimizer, lr_schedule = accelerator.prepare(spec.model, optimizer, lr_schedule)
    ema = EMAModel(params, decay=spec.ema_decay)
    accelerator.register_for_checkpointing(ema)
    start = 0
    if resume and run.latest() is not None:
        accelerator.load_state(str(run.latest()))
        start = run.resume_step()
    run.start_log(start)
    rank = accelerator.process_index
    # talkbench's bar: on a terminal a rich bar, in a log (stderr a file/pipe) plain lines with
    # rate and ETA, so `talkbench train ... 2> log` shows how far a stage got and its loss
    what = f"syncdiff {spec.name}" + (f" (resumed at step {start})" if start else "")
    with talkbench.progress_bar(max(spec.total_steps - start, 0), what, unit="steps",
                                enabled=show_progress and accelerator.is_main_process) as bar:
        for step in range(start, spec.total_steps):
            losses = []
            for micro in range(spec.grad_accum):
                with accelerator.accumulate(model):
                    loss, desc = spec.loss(model, step * spec.grad_accum + micro, rank)
                    _check_finite(accelerator, loss, step, desc, run)
                    accelerator.backward(loss)
                    optimizer.step()
                    lr_schedule.step()
                    optimizer.zero_grad(set_to_none=True)
                losses.append(float(loss.detach()))
            ema.step(params)
            done = step + 1
            mean = float(accelerator.gather(torch.tensor([sum(losses) / len(losses)], device=accelerator.device)).mean())
            bar.describe(f"{what}, loss {mean:.4f}")
            bar.advance()
            if done % spec.log_every == 0 or done == spec.total_steps or done == 1:
                run.log(done, mean, lr_schedule.get_last_lr()[0])
            if spec.preview and accelerator.is_main_process and done % spec.preview_every == 0:
                run.preview(done, spec.preview(accelerator.unwrap_model(model), done))
            if done % spec.checkpoint_every == 0 or done == spec.total_steps:
                save_checkpoint(accelerator, run, done, mean)
    accelerator.wait_for_everyone()
    spec.ema = ema  # the caller writes the EMA weights into the published model
    return accelerator


def save_checkpoint(accelerator, run: RunDir, step: int, loss: float) -> None:
    tmp = run.temp_checkpoint(step)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        run.publish_checkpoint(tmp, step, {"loss": loss, "world_size": accelerator.num_processes})
    accelerator.wait_for_everyone()


def _check_finite(accelerator, loss: torch.Tensor, step: int, desc: str, run: RunDir) -> None:
    bad = torch.tensor([0.0 if math.isfinite(float(loss.detach())) else 1.0])
    if accelerator.num_processes > 1:
        bad = accelerator.reduce(bad.to(accelerator.device), reduction="sum").cpu()
    if float(bad) > 0:
        last = run.latest()
        raise TrainingDiverged(
            f"syncdiff {run.dir.name}: non-finite loss at step {step + 1} (batch: {desc}); "
            f"stopped, last good checkpoint: {last or 'none yet'}; lower the lr or check the data"
        )


def ema_weights(model: torch.nn.Module, ema) -> dict[str, torch.Tensor]:
    """The model's state dict with the EMA shadow copied into the trained parameters."""
    params = [p for p in model.parameters() if p.requires_grad]
    ema.store(params)
    ema.copy_to(params)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    ema.restore(params)
    return state
