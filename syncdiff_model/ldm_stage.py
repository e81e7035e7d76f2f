"""Second stage: the conditional latent diffusion model (first stage frozen), ε-prediction."""

from __future__ import annotations

import torch

from syncdiff_model import schedulers
from syncdiff_model.config import SyncDiffConfig
from syncdiff_model.data import FrameBatches
from syncdiff_model.faces import to_uint8_images
from syncdiff_model.sampling import denoise, encode_crops

PREVIEW_STEPS = 25
SCALE_SAMPLE = 512  # crops whose latents set latent_scale (LDM measures one batch; more is steadier)


@torch.no_grad()
def measure_latent_scale(model, clips, device) -> float:
    """1 / std of the first stage's latents over evenly spaced training crops (LDM's scale_by_std).

    Call it before ``model.config.latent_scale`` is set (``model.encode`` is then unscaled).
    Deterministic given the data and the autoencoder, so every rank (and a resumed run) gets the
    same value.
    """
    import numpy as np

    crops = np.concatenate([c.crops for c in clips])
    picks = np.linspace(0, len(crops) - 1, min(SCALE_SAMPLE, len(crops))).round().astype(int)
    return float(1.0 / encode_crops(model, crops[picks], device).float().std())


def _to(batch: dict, device) -> dict:
    return {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in batch.items()}


class LDMObjective:
    def __init__(self, batches: FrameBatches, config: SyncDiffConfig) -> None:
        self.batches, self.config = batches, config
        self.scheduler = schedulers.train_scheduler()

    def __call__(self, model, micro_step: int, rank: int) -> tuple[torch.Tensor, str]:
        cfg = self.config
        device = next(model.parameters()).device
        batch = self.batches.batch(micro_step, cfg.batch_size, rank)
        g = self.batches.generator(micro_step, rank, stream=1)
        b, lat = cfg.batch_size, cfg.latent_size
        timesteps = torch.randint(0, self.scheduler.config.num_train_timesteps, (b,), generator=g)
        noise = torch.randn((b, 3, lat, lat), generator=g)
        ids = ",".join(f"{c}@{int(t)}" for c, t in zip(batch["clip_ids"], batch["frame"]))
        batch = _to({k: v for k, v in batch.items() if k != "clip_ids"}, device)
        loss = model(batch, noise.to(device), timesteps.to(device), self.scheduler)
        return loss, f"micro-step {micro_step}, rank {rank}, clip@frame {ids}"

    def preview(self, model, step: int) -> list:
        """Rows: masked input | sample (DDIM 25) | target, for 4 fixed training frames."""
        device = next(model.parameters()).device
        batch = _to({k: v for k, v in self.batches.batch(-1, 4).items() if k != "clip_ids"}, device)
        with torch.no_grad():
            _, priors = model.encode_priors(batch)
            context = model.audio_context(batch)
            z0 = denoise(model, priors, context, "ddim", PREVIEW_STEPS, torch.Generator().manual_seed(0))
            sample = model.decode(z0)
        return [to_uint8_images(batch["masked"]), to_uint8_images(sample), to_uint8_images(batch["target"])]
