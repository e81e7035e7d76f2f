"""Train SyncDiff: stage ``ae`` (VQ autoencoder), then ``ldm`` (diffusion); ``all`` runs both.

    talkbench train --model syncdiff --dataset demo --preset tiny --out runs/sd
    accelerate launch --num_processes 2 -m talkbench.cli train --model syncdiff --dataset demo --preset tiny --out runs/sd

Writes OUT/ae/model (the first stage), OUT/model (the complete model for
``talkbench run --model syncdiff --checkpoint OUT/model``) and resumable checkpoints per stage.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from talkbench import Dataset, TalkbenchError, WeightsMissingError
from syncdiff_model.ae_stage import AEObjective, perceptual_loss
from syncdiff_model.checkpoint import VQ_FILE, load_weights_into, write_model_dir
from syncdiff_model.config import SyncDiffConfig
from syncdiff_model.data import FrameBatches, prepare_clip
from syncdiff_model.ldm_stage import LDMObjective, measure_latent_scale
from syncdiff_model.model import SyncDiffModel, build_vq
from syncdiff_model.accelerate_loop import StageSpec, ema_weights, run_stage

STAGES = ("all", "ae", "ldm")


def _spec(config: SyncDiffConfig, name: str, model, lr: float, steps: int, objective) -> StageSpec:
    return StageSpec(
        name=name, model=model, lr=lr, total_steps=steps, batch_size=config.batch_size,
        grad_accum=config.grad_accum, ema_decay=config.ema_decay,
        checkpoint_every=config.checkpoint_every, preview_every=config.preview_every,
        log_every=config.log_every, loss=objective, preview=objective.preview,
    )


def train_syncdiff(config: SyncDiffConfig, dataset: Dataset, *, split: str, out_dir: Path,
                   device: str = "cpu", seed: int = 0, resume: bool = False,
                   max_steps: int | None = None, stage: str = "all", ae_checkpoint: str | None = None,
                   limit: int | None = None, show_progress: bool = True) -> Path:
    """Train the requested stage(s); returns the published model directory."""
    if stage not in STAGES:
        raise TalkbenchError(f"syncdiff: stage={stage!r} must be one of {', '.join(STAGES)}")
    out_dir = Path(out_dir)
    from accelerate import PartialState

    state = PartialState(cpu=not device.startswith("cuda"))
    torch.manual_seed(seed)  # identical initial weights on every rank
    notes: dict[str, Any] = {"dataset": dataset.name, "split": split, "seed": seed,
                             "world_size": state.num_processes, "warnings": []}
    audio_encoder = None
    if stage != "ae":
        model = SyncDiffModel(config)
        audio_encoder = model.audio
    clips = [prepare_clip(c, config, audio_encoder) for c in dataset.iter_clips(split, limit)]
    ae_dir = Path(ae_checkpoint) if ae_checkpoint else out_dir / "ae" / "model"
    if stage in ("all", "ae"):
        perceptual, warning = perceptual_loss(config.lpips_weight)
        if warning:
            notes["warnings"].append(warning)
            state.print(f"syncdiff: warning: {warning}")
        vq = build_vq(config)
        steps = min(config.ae_steps, max_steps) if max_steps else config.ae_steps
        objective = AEObjective(clips, config, seed, perceptual)
        accelerator = run_stage(_spec(config, "ae", vq, config.ae_lr, steps, objective), device,
                                out_dir, resume=resume, show_progress=show_progress)
        if accelerator.is_main_process:
            write_model_dir(ae_dir, config, accelerator.unwrap_model(vq).state_dict(), filename=VQ_FILE,
                            extra={"stage": "ae", "trained_steps": steps, **notes})
        accelerator.wait_for_everyone()
        if stage == "ae":
            return ae_dir
    if not (ae_dir / VQ_FILE).is_file():
        raise WeightsMissingError(
            f"{ae_dir / VQ_FILE}: no trained first stage; run --option stage=ae first or pass "
            "--option ae_checkpoint=DIR"
        )
    load_weights_into(model.vq, ae_dir / VQ_FILE, "the VQ autoencoder")
    model.vq.requires_grad_(False).eval()  # the first stage is frozen while the LDM trains
    if config.latent_scale is None:
        config.latent_scale = measure_latent_scale(model.to(device), clips, device)
        state.print(f"syncdiff: latent_scale = {config.latent_scale:.4f} (1/std of the first stage's latents)")
    batches = FrameBatches(clips, config, seed)
    per_epoch = math.ceil(len(batches) / (config.batch_size * state.num_processes))
    steps = max_steps or config.epochs * per_epoch
    spec = _spec(config, "ldm", model, config.lr, steps, LDMObjective(batches, config))
    accelerator = run_stage(spec, device, out_dir, resume=resume, show_progress=show_progress)
    final = out_dir / "model"
    if accelerator.is_main_process:
        raw = accelerator.unwrap_model(spec.model)
        write_model_dir(final, config, raw.state_dict(), ema=ema_weights(raw, spec.ema),
                        extra={"stage": "ldm", "trained_steps": steps, **notes})
    accelerator.wait_for_everyone()
    return final
