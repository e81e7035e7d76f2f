"""Autoregressive sampling of many clips at once (one UNet call per step serves every clip).

Frame t of each clip is denoised with priors E(masked_t), E(first frame) and E(pose) where pose
= the NP previously *generated* frames, decoded and re-encoded as the paper's I_p. The first NP
frames are the given frames passed through the autoencoder (GT-Rec): they seed the recursion,
which is why a clip needs NP + 1 frames.
"""

from __future__ import annotations

import zlib

import numpy as np
import torch

from syncdiff_model import schedulers
from talkbench import progress_bar
from syncdiff_model.data import PreparedClip, pad_audio
from talkbench.faces import mask_lower_half
from syncdiff_model.faces import to_tensor_images, to_uint8_images


def clip_generator(seed: int, clip_id: str) -> torch.Generator:
    """The noise stream of one clip: fixed by (seed, clip id), so a clip's frames do not depend
    on which clips share its batch, on the batch size or on the shard it ran in."""
    return torch.Generator().manual_seed(zlib.crc32(f"{seed}:{clip_id}".encode()))


@torch.no_grad()
def denoise(model, priors: torch.Tensor, context: torch.Tensor, sampler: str, steps: int,
            generator: torch.Generator | list[torch.Generator]) -> torch.Tensor:
    """z̃_0 for a batch of priors/contexts, starting from seeded Gaussian noise (one generator
    for the batch, or one per row)."""
    sched = schedulers.sampler(sampler, steps)  # fresh: multistep solvers keep state
    b, _, h, w = priors.shape
    if isinstance(generator, torch.Generator):
        z = torch.randn((b, 3, h, w), generator=generator)
    else:
        z = torch.stack([torch.randn((3, h, w), generator=g) for g in generator])
    z = z.to(priors.device, priors.dtype)
    z = z * sched.init_noise_sigma
    for t in sched.timesteps:
        inp = sched.scale_model_input(z, t)
        eps = model.eps(inp, t.expand(b).to(priors.device), priors, context)
        z = sched.step(eps, t, z).prev_sample
    return z


@torch.no_grad()
def encode_crops(model, crops: np.ndarray, device, chunk: int = 32) -> torch.Tensor:
    out = [model.encode(to_tensor_images(crops[i: i + chunk]).to(device)) for i in range(0, len(crops), chunk)]
    return torch.cat(out)


@torch.no_grad()
def reconstruct(model, crops: np.ndarray, device, chunk: int = 32) -> np.ndarray:
    """GT-Rec: encode → quantise → decode of uint8 crops."""
    out = [to_uint8_images(model.decode(model.encode(to_tensor_images(crops[i: i + chunk]).to(device))))
           for i in range(0, len(crops), chunk)]
    return np.concatenate(out)


@torch.no_grad()
def generate_crops(model, clips: list[PreparedClip], *, sampler: str, steps: int, seed: int = 0,
                   device="cpu", show_progress: bool = True) -> list[np.ndarray]:
    """Generated face crops (T, S, S, 3) uint8 for each prepared clip."""
    cfg = model.config
    npv = cfg.num_prev
    gens = [clip_generator(seed, c.id) for c in clips]
    masked = [encode_crops(model, mask_lower_half(c.crops), device) for c in clips]
    identity = torch.cat([encode_crops(model, c.crops[:1], device) for c in clips])
    feats, lengths = pad_audio([c.audio for c in clips])
    seq = model.audio.sequence(feats.to(device), lengths.to(device))
    outputs = [list(reconstruct(model, c.crops[:npv], device)) for c in clips]
    # pose latents, most recent first, per clip
    pose = [list(encode_crops(model, np.stack(o[::-1]), device)) for o in outputs]
    t_max = max(len(c.crops) for c in clips)
    # one step per frame index (every clip of the batch at once); a log gets plain lines
    with progress_bar(t_max - npv, f"syncdiff sampling ({len(clips)} clips)", unit="frames",
                      enabled=show_progress) as bar:
        for t in range(npv, t_max):
            active = [i for i, c in enumerate(clips) if len(c.crops) > t]
            idx = torch.tensor(active, device=device)
            pose_t = torch.stack([torch.stack(pose[i]) for i in active]) if cfg.uses_pose else None
            priors = model.priors(torch.stack([masked[i][t] for i in active]), identity[idx], pose_t)
            context = model.audio.context(seq[idx], lengths.to(device)[idx],
                                          torch.full((len(active),), t, device=device))
            z0 = denoise(model, priors, context, sampler, steps, [gens[i] for i in active])
            images = model.decode(z0)
            frames = to_uint8_images(images)
            if cfg.uses_pose:
                new_pose = model.encode(to_tensor_images(frames).to(device))
            for j, i in enumerate(active):
                outputs[i].append(frames[j])
                if cfg.uses_pose:
                    pose[i] = [new_pose[j]] + pose[i][:-1]
            bar.advance()
    return [np.stack(o) for o in outputs]
