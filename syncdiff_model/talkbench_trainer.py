"""`talkbench train --model syncdiff`: the Trainer the core's `train` command calls."""

from __future__ import annotations

from pathlib import Path

from talkbench import Dataset, Trainer
from syncdiff_model.config import load_preset
from syncdiff_model.options import CONFIG_KEYS, SAMPLING, SWITCHES, TRAINING


class SyncDiffTrainer(Trainer):
    name = "syncdiff"
    version = "1"
    description = "SyncDiff (WACV 2025): VQ-f4 autoencoder, then audio-conditioned latent diffusion"
    options = TRAINING + SWITCHES + SAMPLING
    presets = {"paper": {"preset": "paper"}, "tiny": {"preset": "tiny"}}
    default_preset = "tiny"

    def config(self):
        """The preset with every given option applied (what the checkpoint will record)."""
        return load_preset(self.options["preset"], **{k: self.options[k] for k in CONFIG_KEYS})

    def train(self, dataset: Dataset, *, split: str, out_dir: Path, device: str = "cpu", seed: int = 0,
              resume: bool = False, max_steps: int | None = None) -> Path:
        from syncdiff_model.two_stage_training import train_syncdiff  # heavy imports only when training

        return train_syncdiff(
            self.config(), dataset, split=split, out_dir=Path(out_dir), device=device, seed=seed,
            resume=resume, max_steps=max_steps, stage=self.options["stage"],
            ae_checkpoint=self.options["ae_checkpoint"], limit=self.options["limit"],
        )
