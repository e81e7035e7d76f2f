"""The difftalk trainer: a 2-step tiny loop runs, the loss is finite, checkpoints resume."""

from __future__ import annotations

import json

import numpy as np
import torch

from talkbench_difftalk.model import DiffTalkModel
from talkbench_difftalk.trainer import DiffTalkTrainer

from difftalk_clips import DemoLike


def test_tiny_training_two_steps_and_resume(tmp_path):
    ds = DemoLike(n_frames=6)
    trainer = DiffTalkTrainer(**{**DiffTalkTrainer.presets["tiny"], "vq_steps": 2, "batch_size": 2, "save_every": 1})
    out = trainer.train(ds, split="train", out_dir=tmp_path, seed=0, max_steps=2)
    assert out == tmp_path / "model"
    summary = json.loads((tmp_path / "train_summary.json").read_text())
    assert summary["step"] == 2 and len(summary["losses"]) == 2 and len(summary["vq_losses"]) == 2
    assert all(np.isfinite(summary["losses"])) and summary["audio_features"] == "stand-in"
    m = DiffTalkModel.from_pretrained(out)
    # the EMA moved away from the raw weights' start but is not equal to them
    w_raw, w_ema = m.unet.conv_in.weight, m.ema_unet.conv_in.weight
    assert not torch.equal(w_raw, w_ema)
    vq_before = m.vq.encoder.conv_in.weight.clone()
    # resume to step 3: continues from the saved step, the frozen VQ is unchanged
    out = trainer.train(ds, split="train", out_dir=tmp_path, seed=0, max_steps=3, resume=True)
    summary = json.loads((tmp_path / "train_summary.json").read_text())
    assert summary["step"] == 3 and len(summary["losses"]) == 3 and summary["ema_num_updates"] == 3
    assert torch.equal(DiffTalkModel.from_pretrained(out).vq.encoder.conv_in.weight, vq_before)
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_bf16_mixed_precision_step_is_finite(tmp_path):
    trainer = DiffTalkTrainer(**{**DiffTalkTrainer.presets["tiny"], "vq_steps": 1, "batch_size": 2,
                                 "mixed_precision": "bf16"})
    trainer.train(DemoLike(n_frames=4), split="train", out_dir=tmp_path, seed=1, max_steps=1)
    losses = json.loads((tmp_path / "train_summary.json").read_text())["losses"]
    assert len(losses) == 1 and np.isfinite(losses[0]) and 0.1 < losses[0] < 10
