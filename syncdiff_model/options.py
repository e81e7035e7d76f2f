"""The `--option` declarations shared by the syncdiff trainer and generator (all recorded)."""

from __future__ import annotations

from talkbench import Option
from syncdiff_model.config import AUDIO_KINDS, NUM_PREV_CHOICES, PRESETS, REFERENCE_MODES, SAMPLERS

# None = "as the preset (training) / as the checkpoint (sampling)".
SWITCHES = (
    Option("audio", str, None, "audio features: avhubert or deepspeech (paper Table 2)", choices=AUDIO_KINDS),
    Option("reference", str, None, "visual priors: rnd, prv, prv-, rnd+prv- (Table 3)", choices=REFERENCE_MODES),
    Option("num_prev", int, None, "previous (pose) frames NP (Table 5)", choices=NUM_PREV_CHOICES),
    Option("freeze_layers", int, None, "frozen AVHuBERT layers NF (Table 6)", min=0, max=12),
)
SAMPLING = (
    Option("sampler", str, None, "ddim (LDM's, eta 0) or dpmsolver (DPM-Solver++ 2M)", choices=SAMPLERS),
    Option("steps", int, None, "sampling steps (paper: DDIM 200)", min=1, max=1000),
)
TRAINING = (
    Option("preset", str, "tiny", "paper (256², GPUs) or tiny (64², CPU)", choices=PRESETS),
    Option("stage", str, "all", "ae (autoencoder), ldm (diffusion; needs a trained ae) or all",
           choices=("all", "ae", "ldm")),
    Option("ae_checkpoint", str, None, "first-stage dir for stage=ldm (default OUT/ae/model)"),
    Option("avhubert_checkpoint", str, None, "official AV-HuBERT BASE .pt to start from"),
    Option("batch_size", int, None, "batch per process", min=1),
    Option("grad_accum", int, None, "gradient accumulation steps", min=1),
    Option("lr", float, None, "diffusion learning rate", min=0.0),
    Option("epochs", int, None, "diffusion epochs (when --max-steps is not given)", min=1),
    Option("ae_steps", int, None, "autoencoder steps", min=1),
    Option("checkpoint_every", int, None, "steps between resumable checkpoints", min=1),
    Option("preview_every", int, None, "steps between preview PNG grids", min=1),
    Option("log_every", int, None, "steps between loss.csv rows", min=1),
    Option("shuffle_audio", bool, False, "control run: train on another clip's audio"),
    Option("limit", int, None, "use only the first N clips of the split", min=1),
)
CONFIG_KEYS = ("audio", "reference", "num_prev", "freeze_layers", "sampler", "steps", "avhubert_checkpoint",
               "batch_size", "grad_accum", "lr", "epochs", "ae_steps", "checkpoint_every",
               "preview_every", "log_every", "shuffle_audio")
