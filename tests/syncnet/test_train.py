"""SyncNet training: the loop, checkpoints in the flat layout, resume, and the demo expert."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench import Clip, Dataset, get_metric, get_trainer

TINY = {"img_size": 64, "channels": "8,16,16,16,16,32", "fc_dim": 32, "embed_dim": 16, "batch_size": 8,
        "lr": 1e-3, "margin": 1.0, "jpeg_roundtrip": False}


class MouthDataset(Dataset):
    """In-memory clips whose 'mouth' patch brightness follows the audio loudness (synthetic)."""

    name = "syncnet-test-mouths"
    needs_root = False
    splits = ("train",)
    default_split = "train"

    def clip_ids(self, split):
        return [f"m{i}" for i in range(4)]

    def load_clip(self, split, clip_id):
        i = int(clip_id[1:])
        rng = np.random.default_rng(i)
        t = 40
        env = rng.random(t)  # loudness per frame
        audio = np.concatenate([e * np.sin(np.linspace(0, 80 * np.pi, 640)) for e in env]).astype(np.float32) * 0.5
        frames = np.full((t, 64, 64, 3), 90, np.uint8)
        frames[:, 40:52, 20:44] = (env[:, None, None, None] * 255).astype(np.uint8)
        return Clip(id=clip_id, frames_source=frames, audio_source=audio)


def _flat(path):
    obj = torch.load(path, map_location="cpu", weights_only=True)
    return obj["state_dict"], obj


def test_training_writes_flat_layout_and_resume_is_exact(tmp_path, use_weights):
    trainer_cls = get_trainer("syncnet")
    assert trainer_cls.presets["tiny"]["img_size"] == 64
    straight = trainer_cls(**TINY, steps=6, save_every=2)
    final = straight.train(MouthDataset(), split="train", out_dir=tmp_path / "a", progress=False)
    state, obj = _flat(final)
    assert {k.split(".")[0] for k in state} == {"netcnnaud", "netcnnlip", "netfcaud", "netfclip"}
    assert "netcnnlip.18.weight" in state and obj["config"]["img_size"] == 64
    assert obj["meta"]["final_step"] == 6 and obj["meta"]["dataset"] == MouthDataset.name
    assert (tmp_path / "a" / "checkpoint.pt").is_file()
    assert not list((tmp_path / "a").glob(".*"))  # no temp files left behind

    # interrupted after 3 steps, then resumed: identical weights
    part = trainer_cls(**TINY, steps=6, save_every=1)
    part.train(MouthDataset(), split="train", out_dir=tmp_path / "b", max_steps=3, progress=False)
    assert torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)["step"] == 3
    resumed = trainer_cls(**TINY, steps=6, save_every=1)
    final_b = resumed.train(MouthDataset(), split="train", out_dir=tmp_path / "b", resume=True, progress=False)
    assert len(resumed.history) == 3  # only the remaining steps ran
    state_b, _ = _flat(final_b)
    for k in state:
        torch.testing.assert_close(state_b[k], state[k], rtol=0, atol=0)

    # the metric loads a trained variant through --weights
    use_weights(final)
    m = get_metric("lse_c")(jpeg_roundtrip=False)
    m.load("cpu")
    clip = MouthDataset().load_clip("train", "m0")
    out = m.compute(clip, None)
    assert len(out["mdist"]) == 31 and m.net.config.img_size == 64


def test_training_reduces_the_contrastive_loss(tmp_path):
    trainer = get_trainer("syncnet")(**TINY, steps=60, save_every=60)
    trainer.train(MouthDataset(), split="train", out_dir=tmp_path, progress=False)
    h = trainer.history
    assert len(h) == 60 and all(np.isfinite(h))
    assert np.mean(h[-15:]) < 0.8 * np.mean(h[:15])


def test_resume_with_another_config_is_refused(tmp_path):
    trainer_cls = get_trainer("syncnet")
    trainer_cls(**TINY, steps=2, save_every=1).train(MouthDataset(), split="train", out_dir=tmp_path, progress=False)
    other = trainer_cls(**(TINY | {"embed_dim": 24}), steps=4)
    with pytest.raises(ValueError, match="another network config"):
        other.train(MouthDataset(), split="train", out_dir=tmp_path, resume=True, progress=False)


def _delay(audio, frames):
    n = frames * 640
    return np.concatenate([np.zeros(n, np.float32), audio[:-n]])


@pytest.mark.slow
def test_demo_net_separates_in_sync_from_shifted_and_recovers_offset():
    """net=demo: the shipped demo net (or, without it, the tiny preset trained on first use)."""
    from talkbench import get_dataset

    from pathlib import Path

    from talkbench_syncnet.demo_net import SHIPPED, demo_weights_path

    metric = get_metric("lse_c")(net="demo")
    metric.load("cpu")
    assert Path(metric.weights_info["path"]) in (SHIPPED, demo_weights_path())
    proto = metric.protocol()
    assert proto["net"] == "demo" and proto["table_label"] == "LSE-C (demo SyncNet)"
    ds = get_dataset("demo")()
    sync_c, shifted_c, sync_off, shifted_off = [], [], [], []
    for clip_id in ds.clip_ids("test"):
        clip = ds.load_clip("test", clip_id)
        a = metric.compute(clip, None)
        b = metric.compute(clip.replace(audio=_delay(clip.audio, 10), id=clip_id + "-shift10"), None)
        sync_c.append(a["value"])
        shifted_c.append(b["value"])
        sync_off.append(a["offset"])
        shifted_off.append(b["offset"])
    assert np.mean(sync_c) > np.mean(shifted_c) + 0.1  # measured: 1.01 vs 0.80
    assert sum(s > t for s, t in zip(sync_c, shifted_c)) >= 0.75 * len(sync_c)
    # offset recovery: audio delayed by 10 frames is found at -10, in-sync at 0
    assert sum(o == 0 for o in sync_off) >= 0.75 * len(sync_off)
    assert sum(o == -10 for o in shifted_off) >= 0.75 * len(shifted_off)
