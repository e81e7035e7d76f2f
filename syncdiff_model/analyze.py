"""`talkbench analyze latent-variance`: how much the sample moves when one prior changes (Table 4).

For each probed frame t of each clip, the masked frame, the audio and the initial noise stay
fixed while one prior is swapped for K different frames of the same clip:
  * ident: the identity frame (the others: identity = first frame, pose = ground-truth previous);
  * pose:  the pose frame(s) (NP consecutive frames ending at a random frame).
The number is the per-element variance of the generated latent z̃_0 across the K swaps,
averaged over elements and probes (in the diffusion model's latent space, i.e. after
``latent_scale``); lower = more invariant to that prior. A model that has no
such prior (rnd has no pose, prv/prv- no identity) reports null, since nothing can move it.
"""

from __future__ import annotations

import json

import click
import numpy as np

EXAMPLE = ("Example:\n\n  talkbench analyze latent-variance --checkpoint runs/syncdiff/model "
           "--dataset demo --limit 4")


@click.group("analyze", epilog=EXAMPLE)
def analyze_group() -> None:
    """Analyses of trained SyncDiff models."""


def _latent_variance(model, clip, *, samples: int, probes: int, sampler: str, steps: int,
                     seed: int) -> dict:
    import torch  # here, not at the top: the command is added to every `talkbench --help`

    from syncdiff_model.data import make_batch
    from syncdiff_model.sampling import denoise

    cfg = model.config
    device = next(model.parameters()).device
    rng = np.random.default_rng(seed)
    npv, frames = cfg.num_prev, clip.crops
    out: dict[str, list[float]] = {"ident": [], "pose": []}
    for t in rng.integers(npv, len(frames), size=probes):
        for which in ("ident", "pose"):
            if (which == "ident" and not cfg.uses_identity) or (which == "pose" and not cfg.uses_pose):
                continue
            ident = np.stack([frames[0]] * samples)
            pose = np.stack([frames[t - npv: t][::-1]] * samples)
            swaps = rng.integers(npv, len(frames), size=samples)
            if which == "ident":
                ident = frames[swaps]
            else:
                pose = np.stack([frames[s - npv: s][::-1] for s in swaps])
            batch = make_batch(np.stack([frames[t]] * samples), ident, pose,
                               [clip.audio] * samples, [int(t)] * samples)
            batch = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in batch.items()}
            with torch.no_grad():
                _, priors = model.encode_priors(batch)
                context = model.audio_context(batch)
                noise_seed = int(rng.integers(1 << 31))
                # the same noise for all K swaps: only the swapped prior differs
                z = torch.cat([denoise(model, priors[i: i + 1], context[i: i + 1], sampler, steps,
                                       torch.Generator().manual_seed(noise_seed)) for i in range(samples)])
            out[which].append(float(z.var(dim=0, unbiased=False).mean()))
    return out


@analyze_group.command("latent-variance", epilog=EXAMPLE)
@click.option("--checkpoint", required=True, help="a trained syncdiff model dir (OUT/model)")
@click.option("--dataset", default="demo", show_default=True)
@click.option("--split", default="test", show_default=True)
@click.option("--data-root", default=None)
@click.option("--limit", default=4, show_default=True, help="clips to probe")
@click.option("--probes", default=2, show_default=True, help="frames probed per clip")
@click.option("--samples", default=4, show_default=True, help="K: prior swaps per probe")
@click.option("--sampler", default="dpmsolver", show_default=True)
@click.option("--steps", default=20, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--device", default="auto", show_default=True)
def latent_variance(checkpoint, dataset, split, data_root, limit, probes, samples, sampler, steps, seed, device) -> None:
    """Mean latent variance under identity / pose swaps (paper Table 4); prints one JSON line."""
    from talkbench import get_dataset, resolve_device
    from syncdiff_model.data import prepare_clip
    from syncdiff_model.checkpoint import load_model

    device = resolve_device(device)
    model = load_model(checkpoint, device)
    ds = get_dataset(dataset)(root=data_root)
    per: dict[str, list[float]] = {"ident": [], "pose": []}
    for clip in ds.iter_clips(split, limit):
        prep = prepare_clip(clip, model.config, model.audio)
        res = _latent_variance(model, prep, samples=samples, probes=probes, sampler=sampler,
                               steps=steps, seed=seed)
        for k in per:
            per[k] += res[k]
    result = {k: (float(np.mean(v)) if v else None) for k, v in per.items()}
    result.update(reference=model.config.reference, num_prev=model.config.num_prev,
                  checkpoint=str(checkpoint), dataset=dataset, split=split, clips=limit,
                  probes=probes, samples=samples, sampler=sampler, steps=steps, seed=seed)
    click.echo(json.dumps(result))
