"""The demo SyncNet: the shipped file (sha256 recorded), else trained once and cached, loudly."""

from __future__ import annotations

import hashlib

import pytest
import torch
from click.testing import CliRunner

from talkbench import WeightsInvalidError, get_trainer
from talkbench_syncnet import demo_net

from test_train import TINY, MouthDataset


@pytest.fixture
def no_training(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the demo net was trained although a file was there")

    monkeypatch.setattr(get_trainer("syncnet"), "train", refuse)


def test_shipped_file_is_used_when_its_sha256_matches(tmp_path, monkeypatch, no_training):
    f = tmp_path / "syncnet_demo_tiny.model"
    f.write_bytes(b"\x80\x02weights")
    monkeypatch.setattr(demo_net, "SHIPPED", f)
    monkeypatch.setattr(demo_net, "SHIPPED_SHA256", hashlib.sha256(f.read_bytes()).hexdigest())
    assert demo_net.ensure_demo_weights(progress=False) == f
    spec = demo_net.demo_weight_spec()
    assert spec.sha256 == demo_net.SHIPPED_SHA256 and str(f) in spec.also_at
    assert "not the official weights" in spec.description and demo_net.REPRODUCE in spec.description


def test_shipped_file_with_another_sha256_is_one_line_error(tmp_path, monkeypatch, no_training):
    f = tmp_path / "syncnet_demo_tiny.model"
    f.write_bytes(b"\x80\x02changed")
    monkeypatch.setattr(demo_net, "SHIPPED", f)
    monkeypatch.setattr(demo_net, "SHIPPED_SHA256", "0" * 64)
    with pytest.raises(WeightsInvalidError) as exc:
        demo_net.ensure_demo_weights(progress=False)
    msg = str(exc.value)
    assert "\n" not in msg and str(f) in msg and "talkbench train --model syncnet --dataset demo" in msg


def test_without_a_shipped_file_it_trains_once_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(demo_net, "SHIPPED", tmp_path / "absent.model")
    monkeypatch.setattr(demo_net, "get_dataset", lambda name: MouthDataset)  # fast synthetic stand-in
    trainer_cls = get_trainer("syncnet")
    monkeypatch.setitem(trainer_cls.presets, "tiny", TINY | {"steps": 2, "save_every": 2})
    path = demo_net.ensure_demo_weights(progress=True)
    assert path == demo_net.demo_weights_path() and path.is_file()
    err = capsys.readouterr().err
    assert "talkbench: training the demo SyncNet" in err
    assert "syncnet train" in err and "2/2 steps" in err  # progress lines survive in a log
    monkeypatch.setattr(trainer_cls, "train", lambda *a, **k: pytest.fail("trained twice"))
    assert demo_net.ensure_demo_weights(progress=False) == path  # cached


@pytest.mark.skipif(not demo_net.SHIPPED.is_file(), reason="this checkout ships no demo SyncNet file")
def test_the_shipped_demo_net_is_the_tiny_preset_trained_on_demo():
    digest = hashlib.sha256(demo_net.SHIPPED.read_bytes()).hexdigest()
    assert digest == demo_net.SHIPPED_SHA256
    obj = torch.load(demo_net.SHIPPED, map_location="cpu", weights_only=True)
    preset = get_trainer("syncnet").presets["tiny"]
    assert obj["config"]["img_size"] == preset["img_size"] == 64
    meta = obj["meta"]
    assert meta["dataset"] == "demo" and meta["split"] == "train" and meta["seed"] == demo_net.DEMO_SEED
    assert meta["final_step"] == preset["steps"]
    assert all(meta["options"][k] == v for k, v in preset.items())


def test_weights_command_lists_the_demo_syncnet():
    from talkbench.cli import cli

    out = CliRunner().invoke(cli, ["weights"], catch_exceptions=False).output
    line = next(ln for ln in out.splitlines() if ln.startswith("syncnet_demo  "))
    assert line.split()[1] in ("present", "missing")
    assert "demo SyncNet (lse_c/lse_d net=demo)" in out and "not the official weights" in out


def test_ship_copies_the_trained_file_and_records_its_sha256(tmp_path, monkeypatch):
    from talkbench_syncnet.model import SyncNet, SyncNetConfig
    from talkbench_syncnet.train import save_weights

    src = tmp_path / "demo_net.py"
    src.write_text(open(demo_net.__file__).read())
    monkeypatch.setattr(demo_net, "__file__", str(src))
    monkeypatch.setattr(demo_net, "SHIPPED", tmp_path / "data" / "syncnet_demo_tiny.model")
    torch.manual_seed(0)
    net = SyncNet(SyncNetConfig(img_size=64, embed_dim=16, aud_widths=(8, 16, 16, 16, 16, 32),
                                lip_widths=(8, 16, 16, 16, 16, 32), fc_dim=32))
    steps = get_trainer("syncnet").presets["tiny"]["steps"]
    wrong = save_weights(net, tmp_path / "other.model", {"dataset": "mouths", "seed": 0, "final_step": steps})
    with pytest.raises(ValueError, match="not the output of `talkbench train --model syncnet --dataset demo"):
        demo_net.ship(wrong)
    good = save_weights(net, tmp_path / "syncnet.model", {"dataset": "demo", "seed": 0, "final_step": steps})
    digest = demo_net.ship(good)
    assert digest == hashlib.sha256(good.read_bytes()).hexdigest() == \
        hashlib.sha256(demo_net.SHIPPED.read_bytes()).hexdigest()
    assert f'SHIPPED_SHA256: str | None = "{digest}"' in src.read_text()
