"""Generators `syncdiff` (the model) and `syncdiff-ae` (GT-Rec: ground truth through the VQ)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from talkbench import NEEDS_SOURCE_VIDEO, OUTPUTS_FULL_FRAME, Clip, ClipFailure, Generator, Option, WeightsMissingError
from syncdiff_model.options import SAMPLING, SWITCHES

CHECKPOINT_HINT = ("train one with `talkbench train --model syncdiff --dataset demo --preset tiny --out DIR` "
                   "and pass --checkpoint DIR/model")


def _require_checkpoint(name: str, checkpoint) -> Path:
    if checkpoint is None:
        raise WeightsMissingError(f"{name}: needs --checkpoint DIR (a trained syncdiff model); {CHECKPOINT_HINT}")
    path = Path(checkpoint)
    if not path.is_dir():
        raise WeightsMissingError(f"{name}: checkpoint {path} is not a directory; {CHECKPOINT_HINT}")
    return path


class SyncDiffGenerator(Generator):
    name = "syncdiff"
    version = "1"
    description = "SyncDiff: latent diffusion lip inpainting, autoregressive over frames"
    needs = NEEDS_SOURCE_VIDEO
    outputs = OUTPUTS_FULL_FRAME
    options = SAMPLING + SWITCHES + (
        Option("use_ema", bool, True, "sample with the EMA weights"),
        Option("batch_clips", int, 8, "clips denoised together per UNet call (speed only)", min=1,
               affects_output=False),
    )

    def load(self, device: str = "cpu", checkpoint=None) -> None:
        from syncdiff_model.checkpoint import load_model

        super().load(device, checkpoint)
        path = _require_checkpoint(self.name, checkpoint)
        switches = {o.name: self.options[o.name] for o in SAMPLING + SWITCHES}
        self.model = load_model(path, device, use_ema=self.options["use_ema"], overrides=switches)
        self.config = self.model.config

    def settings(self) -> dict:
        """Everything that defines the samples (recorded in each output clip's meta)."""
        c = self.config
        return {"preset": c.name, "audio": c.audio, "reference": c.reference, "num_prev": c.num_prev,
                "freeze_layers": c.freeze_layers, "sampler": c.sampler, "steps": c.steps,
                "use_ema": self.options["use_ema"], "checkpoint": str(self.checkpoint)}

    def effective_options(self) -> dict:
        """The switches read from the checkpoint, for the run record (options may leave them unset)."""
        return self.settings()

    def batch_clips(self) -> int:
        return self.options["batch_clips"]

    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        return self.generate_batch([(source, audio)], seed=seed)[0]

    def generate_batch(self, items: Sequence[tuple[Clip, np.ndarray]], *, seed: int | None = None) -> list[Clip]:
        import torch

        from syncdiff_model.data import prepare_clip
        from syncdiff_model.faces import paste_back
        from syncdiff_model.sampling import generate_crops

        out: list[Clip] = []
        step = self.options["batch_clips"]
        for start in range(0, len(items), step):
            chunk = items[start: start + step]
            prepared = [prepare_clip(src, self.config, self.model.audio, audio) for src, audio in chunk]
            with torch.no_grad():
                crops = generate_crops(self.model, prepared, sampler=self.config.sampler,
                                       steps=self.config.steps, seed=0 if seed is None else seed,
                                       device=self.device)
            for (src, audio), prep, gen in zip(chunk, prepared, crops):
                frames = paste_back(src.frames, gen, prep.squares)
                meta = {**src.meta, "syncdiff": self.settings(), "crop_boxes": prep.squares}
                out.append(src.replace(frames=frames, audio=audio, meta=meta))
        return out


class SyncDiffAEGenerator(Generator):
    """GT-Rec: every frame's face crop encoded and decoded by the first stage (SyncDiff's topline)."""

    name = "syncdiff-ae"
    version = "1"
    description = "GT-Rec: ground truth through SyncDiff's VQ autoencoder"
    needs = NEEDS_SOURCE_VIDEO
    outputs = OUTPUTS_FULL_FRAME

    def load(self, device: str = "cpu", checkpoint=None) -> None:
        from syncdiff_model.checkpoint import MODEL_FILE, VQ_FILE, load_weights_into, read_config
        from syncdiff_model.model import build_vq

        super().load(device, checkpoint)
        path = _require_checkpoint(self.name, checkpoint)
        self.config, _ = read_config(path)
        self.vq = build_vq(self.config)
        if (path / VQ_FILE).is_file():
            load_weights_into(self.vq, path / VQ_FILE, "the VQ autoencoder")
        else:  # a full model: take its first stage
            from safetensors.torch import load_file

            state = load_file(str(path / MODEL_FILE))
            vq_state = {k[3:]: v for k, v in state.items() if k.startswith("vq.")}
            if not vq_state:
                raise WeightsMissingError(f"{path}: holds no VQ weights; {CHECKPOINT_HINT}")
            self.vq.load_state_dict(vq_state)
        self.vq.to(device).eval()

    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        from syncdiff_model.faces import crop_faces, face_boxes, paste_back, square_boxes
        from syncdiff_model.sampling import reconstruct

        frames = source.frames
        squares = square_boxes(face_boxes(source), frames.shape[1], frames.shape[2])
        crops = crop_faces(frames, squares, self.config.image_size)
        if len(crops) == 0:
            raise ClipFailure(f"clip {source.id}: no frames")
        rec = reconstruct(self, crops, self.device)
        return source.replace(frames=paste_back(frames, rec, squares), meta={**source.meta, "crop_boxes": squares})

    # `reconstruct` calls model.encode / model.decode: the VQ's own, as in SyncDiffModel
    def encode(self, images):
        return self.vq.encode(images).latents

    def decode(self, latents):
        return self.vq.decode(latents).sample
