"""``talkbench train --model syncnet``: a SyncNet expert for a new language, domain or the demo.

Checkpoints keep the official flat key layout (``netcnnaud.*`` ...): the final
``syncnet.model`` of an official-size run is a plain state dict that syncnet_python loads; a
smaller variant is saved as ``{"state_dict": <flat>, "config": {...}}`` so the metric can
rebuild it. ``checkpoint.pt`` (model + optimizer + step) is written atomically every
``save_every`` steps and ``--resume`` continues from it with the same batches.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from talkbench import Dataset, Option, Trainer, atomic_path

from talkbench_syncnet.model import OFFICIAL, SyncNet, SyncNetConfig
from talkbench_syncnet.train_data import contrastive_loss, load_training_clips, sample_batch

FINAL_NAME = "syncnet.model"
STATE_NAME = "checkpoint.pt"


def config_from_options(opts: dict[str, Any]) -> SyncNetConfig:
    if opts["channels"] == "official":
        widths = OFFICIAL.aud_widths
    else:
        widths = tuple(int(c) for c in opts["channels"].split(","))
        if len(widths) != 6:
            raise ValueError(f"channels={opts['channels']!r}: give 'official' or six comma-separated ints")
    return SyncNetConfig(img_size=opts["img_size"], embed_dim=opts["embed_dim"], aud_widths=widths,
                         lip_widths=widths if opts["channels"] != "official" else OFFICIAL.lip_widths,
                         fc_dim=opts["fc_dim"])


def atomic_save(obj: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def save_weights(model: SyncNet, path: Path, meta: dict[str, Any] | None = None) -> Path:
    """Flat state dict (official size) or flat state dict + config (other sizes), atomically."""
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    if model.config == OFFICIAL and not meta:
        atomic_save(state, path)
    else:
        atomic_save({"state_dict": state, "config": model.config.to_dict(), "meta": meta or {}}, path)
    return path


class SyncNetTrainer(Trainer):
    """Contrastive SyncNet training on in-sync / offset pairs (Chung & Zisserman 2016)."""

    name = "syncnet"
    description = "SyncNet lip-sync expert (5-frame windows vs 0.2 s MFCC, contrastive loss)"
    options = (
        Option("img_size", int, 224, "frame side the net sees (whole frame, lrs protocol)", min=64),
        Option("channels", str, "official", "conv widths: 'official' or six comma-separated ints"),
        Option("fc_dim", int, 512, "hidden width of the fc heads", min=8),
        Option("embed_dim", int, 1024, "embedding size", min=8),
        Option("steps", int, 100000, "optimizer steps", min=1),
        Option("batch_size", int, 64, "video windows per step", min=2),
        Option("negatives", int, 7, "offset audio windows paired with each video window", min=1),
        Option("lr", float, 1e-4, "Adam learning rate", min=0.0),
        Option("margin", float, 20.0, "contrastive margin for offset pairs", min=0.0),
        Option("min_shift", int, 3, "smallest audio shift of a negative pair, frames", min=1),
        Option("max_shift", int, 15, "largest audio shift of a negative pair, frames", min=1),
        Option("jpeg_roundtrip", bool, True, "prepare frames as the lrs metric does (jpg dump)"),
        Option("save_every", int, 1000, "steps between checkpoint.pt writes", min=1),
        Option("limit", int, 0, "use only the first N clips of the split (0 = all)", min=0),
    )
    presets = {
        "paper": {},
        # The demo expert: 64×64 whole frames, narrow towers, 64-d embeddings (≈0.44 M params).
        "tiny": {"img_size": 64, "channels": "16,32,64,64,64,128", "fc_dim": 128, "embed_dim": 64,
                 "steps": 600, "batch_size": 16, "negatives": 7, "lr": 1e-3, "margin": 2.0, "save_every": 100},
    }
    default_preset = "paper"

    def train(self, dataset: Dataset, *, split: str, out_dir: Path, device: str = "cpu", seed: int = 0,
              resume: bool = False, max_steps: int | None = None, progress: bool = True) -> Path:
        from talkbench import progress_bar

        opts = self.options
        out_dir = Path(out_dir)
        cfg = config_from_options(opts)
        steps = min(opts["steps"], max_steps) if max_steps else opts["steps"]
        torch.manual_seed(seed)
        model = SyncNet(cfg).to(device)
        optim = torch.optim.Adam(model.parameters(), lr=opts["lr"])
        start = 0
        state_path = out_dir / STATE_NAME
        if resume and state_path.is_file():
            state = torch.load(state_path, map_location=device, weights_only=True)
            if SyncNetConfig.from_dict(state["config"]) != cfg:
                raise ValueError(f"{state_path}: was trained with another network config; use a new --out")
            model.load_state_dict(state["model"])
            optim.load_state_dict(state["optimizer"])
            start = int(state["step"])
        clips = load_training_clips(dataset, split, cfg.img_size, opts["jpeg_roundtrip"],
                                    limit=opts["limit"] or None, progress=progress)
        if opts["max_shift"] - opts["min_shift"] + 1 < opts["negatives"]:
            raise ValueError(f"negatives={opts['negatives']} needs at least that many shifts in "
                             f"[min_shift, max_shift] = [{opts['min_shift']}, {opts['max_shift']}]")
        if max(c.n_windows for c in clips) <= opts["min_shift"] + opts["negatives"]:
            raise ValueError(f"{dataset.name}/{split}: clips too short for {opts['negatives']} offset pairs "
                             f"of at least {opts['min_shift']} frames; lower negatives/min_shift")
        meta = {"dataset": dataset.name, "split": split, "seed": seed, "steps": steps,
                "options": {k: v for k, v in opts.items()}, "clips": len(clips)}
        model.train()
        self.history: list[float] = []
        with progress_bar(steps - start, f"syncnet train ({steps} steps{f', from {start}' if start else ''})",
                          unit="steps", enabled=progress) as bar:
            for step in range(start, steps):
                video, audio, label = sample_batch(clips, opts["batch_size"], seed, step, negatives=opts["negatives"],
                                                   min_shift=opts["min_shift"], max_shift=opts["max_shift"])
                loss = contrastive_loss(model.forward_lip(video.to(device)), model.forward_aud(audio.to(device)),
                                        label.to(device), opts["margin"])
                optim.zero_grad(set_to_none=True)
                loss.backward()
                optim.step()
                self.history.append(loss.item())
                bar.describe(f"syncnet train loss {self.history[-1]:.4f}")
                bar.advance()
                if (step + 1) % opts["save_every"] == 0 or step + 1 == steps:
                    atomic_save({"model": model.state_dict(), "optimizer": optim.state_dict(),
                                 "step": step + 1, "config": cfg.to_dict()}, state_path)
        model.eval()
        return save_weights(model, out_dir / FINAL_NAME, meta | {"final_step": steps})

