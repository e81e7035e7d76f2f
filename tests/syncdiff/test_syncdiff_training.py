import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from syncdiff_model import ldm_stage
from syncdiff_model.accelerate_loop import TrainingDiverged
from synthetic import train_tiny


def test_training_writes_model_checkpoints_logs_and_previews(trained):
    cfg = json.loads((trained / "config.json").read_text())
    assert (cfg["name"], cfg["reference"], cfg["num_prev"], cfg["stage"], cfg["trained_steps"]) == ("tiny", "rnd+prv-", 1, "ldm", 2)
    assert cfg["dataset"] == "synthetic" and cfg["seed"] == 0
    run = trained.parent
    assert (run / "ldm" / "latest").read_text() == "checkpoint-000002"
    assert {"model.safetensors", "ema.safetensors"} <= {p.name for p in trained.iterdir()}
    rows = (run / "ldm" / "loss.csv").read_text().splitlines()
    assert rows[0] == "step,loss,lr,seconds" and [r.split(",")[0] for r in rows[1:]] == ["1", "2"]
    assert all(np.isfinite(float(r.split(",")[1])) for r in rows[1:])
    assert (run / "ldm" / "previews" / "step-000002.png").stat().st_size > 0
    assert (run / "ae" / "model" / "vq.safetensors").is_file()


def test_latent_scale_gives_unit_std_latents_and_is_stored(trained):
    import torch

    from syncdiff_model.data import prepare_clip
    from syncdiff_model.faces import to_tensor_images
    from syncdiff_model.checkpoint import load_model
    from synthetic import SyntheticDataset

    cfg = json.loads((trained / "config.json").read_text())
    model = load_model(trained)
    assert model.latent_scale == cfg["latent_scale"] > 0
    crops = np.concatenate([prepare_clip(c, model.config, None).crops for c in SyntheticDataset().iter_clips("train")])
    with torch.no_grad():
        scaled = model.encode(to_tensor_images(crops))
        raw = model.vq.encode(to_tensor_images(crops)).latents
    # measured on (almost) the same crops, so the diffusion model sees latents of std ~1
    assert float(scaled.std()) == pytest.approx(1.0, abs=0.05)
    assert torch.allclose(scaled, raw * cfg["latent_scale"])
    # decode undoes the scale: the GT-Rec path is unchanged by it
    assert torch.allclose(model.decode(scaled), model.vq.decode(raw).sample, atol=1e-5)


def test_resume_continues_exactly(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TALKBENCH_PROGRESS_EVERY", "0")  # a progress line after every step
    straight = train_tiny(tmp_path / "a", max_steps=4)
    train_tiny(tmp_path / "b", max_steps=2)
    capsys.readouterr()
    resumed = train_tiny(tmp_path / "b", max_steps=4, resume=True)
    err = capsys.readouterr().err  # stderr is not a terminal here, as in `talkbench train ... 2> log`
    for name in ("model.safetensors", "ema.safetensors"):
        a, b = load_file(str(straight / name)), load_file(str(resumed / name))
        assert a.keys() == b.keys()
        for k in a:
            assert np.array_equal(a[k].numpy(), b[k].numpy()), (name, k)
    read = lambda run: {r.split(",")[0]: r.split(",")[1] for r in (tmp_path / run / "ldm" / "loss.csv").read_text().splitlines()[1:]}  # noqa: E731
    # the first run logged its last step (2); the resumed one appends step 4, identical to the straight run
    assert list(read("b")) == ["1", "2", "4"] and read("b")["4"] == read("a")["4"] and read("b")["1"] == read("a")["1"]
    # the log keeps plain progress lines (no transient bar): start, each step, end, with the loss
    ldm = [line for line in err.splitlines() if line.startswith("syncdiff ldm")]
    assert "\x1b" not in err and len(ldm) == 3, err
    assert ldm[0] == "syncdiff ldm (resumed at step 2): 0/2 steps, -- steps/s, elapsed 0:00:00, ETA --"
    assert re.fullmatch(r"syncdiff ldm \(resumed at step 2\), loss \d\.\d{4}: 1/2 steps, .*, ETA \d:\d\d:\d\d", ldm[1])
    end = re.fullmatch(r"syncdiff ldm \(resumed at step 2\), loss (\d\.\d{4}): 2/2 steps, .*, elapsed \S+, ETA 0:00:00", ldm[2])
    # the end line's loss is step 4's (loss.csv keeps 6 decimals, the line 4)
    assert end and float(end.group(1)) == pytest.approx(float(read("b")["4"]), abs=6e-5), ldm[2]


def test_nan_loss_stops_with_step_and_batch_and_keeps_last_checkpoint(tmp_path, monkeypatch):
    real = ldm_stage.LDMObjective.__call__

    def poisoned(self, model, micro_step, rank):
        loss, desc = real(self, model, micro_step, rank)
        return (loss * float("nan") if micro_step == 2 else loss), desc

    monkeypatch.setattr(ldm_stage.LDMObjective, "__call__", poisoned)
    with pytest.raises(TrainingDiverged, match=r"non-finite loss at step 3 \(batch: micro-step 2, rank 0, clip@frame syn") as err:
        train_tiny(tmp_path, max_steps=4)
    assert "last good checkpoint: " + str(tmp_path / "ldm" / "checkpoint-000002") in str(err.value)
    assert (tmp_path / "ldm" / "latest").read_text() == "checkpoint-000002"
    assert "\n" not in str(err.value)


def test_two_process_gloo_training_step_through_accelerate_launch(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "-m", "talkbench.cli", "train", "--model", "syncdiff", "--dataset", "demo", "--option", "limit=2",
           "--max-steps", "1", "--device", "cpu", "--option", "ae_steps=1", "--option", "batch_size=1",
           "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == f"checkpoint: {tmp_path / 'model'}"
    cfg = json.loads((tmp_path / "model" / "config.json").read_text())
    assert cfg["world_size"] == 2 and cfg["trained_steps"] == 1
    ckpt = Path(tmp_path / "ldm" / "checkpoint-000001")
    assert {"random_states_0.pkl", "random_states_1.pkl", "optimizer.bin"} <= {p.name for p in ckpt.iterdir()}
