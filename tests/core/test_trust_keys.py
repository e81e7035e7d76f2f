"""Cache keys cover every input: weights files, output options, the clip's files, the data root."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from click.testing import CliRunner

from talkbench import plugins
from talkbench.weights import clear_weight_overrides

from . import fakes
from .trust_helpers import Knobbed, with_folder, write_clip  # noqa: F401  (fixture)


_video = write_clip


def _record(run_dir):
    return json.loads((run_dir / "record.json").read_text())


def test_weight_records_and_output_options_key_the_scores(with_folder, tmp_path):
    from talkbench.runner import run_benchmark

    kw = dict(limit=2, metrics=["knobbed"], out=tmp_path, progress=False, dataset_options={"n": 2})
    run_dir = run_benchmark("copygen", "fakeds", **kw)
    assert fakes.SCORED[("knobbed", "test000")] == 1
    # a speed knob (affects_output=False) keeps the cached score
    run_benchmark("copygen", "fakeds", metric_options={"knobbed": {"chunk": "9"}}, **kw)
    assert fakes.SCORED[("knobbed", "test000")] == 1
    # an output option rescales: rescored
    run_benchmark("copygen", "fakeds", metric_options={"knobbed": {"offset": "1"}}, **kw)
    assert fakes.SCORED[("knobbed", "test000")] == 2
    assert _record(run_dir)["metrics"]["knobbed"]["value"] == 2.0
    # another weights file (same name, other sha256): rescored
    Knobbed.SHA = "b" * 64
    try:
        run_benchmark("copygen", "fakeds", metric_options={"knobbed": {"offset": "1"}}, **kw)
    finally:
        Knobbed.SHA = "a" * 64
    assert fakes.SCORED[("knobbed", "test000")] == 3
    assert _record(run_dir)["metrics"]["knobbed"]["weights"][0]["sha256"] == "b" * 64


def test_folder_clip_replaced_or_root_moved_is_redone(with_folder, tmp_path):
    from talkbench.runner import run_benchmark

    root = tmp_path / "data"
    root.mkdir()
    _video(root / "clip.mp4", 0)
    kw = dict(metrics=["mae"], out=tmp_path / "out", progress=False)
    run_dir = run_benchmark("copygen", "folder", data_root=root, **kw)
    assert fakes.CALLS["clip"] == 1
    assert _record(run_dir)["dataset"]["root"] == str(root.resolve())
    entry = json.loads((run_dir / "scores" / "clip.json").read_text())
    run_benchmark("copygen", "folder", data_root=root, **kw)
    assert fakes.CALLS["clip"] == 1  # unchanged files: resumed

    _video(root / "clip.mp4", 5, t=14)  # another video under the same name
    again = run_benchmark("copygen", "folder", data_root=root, **kw)
    assert fakes.CALLS["clip"] == 2 and fakes.SCORED[("mae", "clip")] == 2
    new_entry = json.loads((again / "scores" / "clip.json").read_text())
    assert new_entry["video"]["sha256"] != entry["video"]["sha256"]
    assert new_entry["video"]["frames"] == 14

    other = tmp_path / "elsewhere"
    shutil.copytree(root, other)
    moved = run_benchmark("copygen", "folder", data_root=other, **kw)
    assert moved != run_dir
    assert _record(moved)["dataset"]["root"] == str(other.resolve())
    assert fakes.CALLS["clip"] == 3


def _syncnet_weights(path, seed: int):
    ts = pytest.importorskip("talkbench_syncnet.model")
    from talkbench_syncnet.train import save_weights

    torch.manual_seed(seed)
    cfg = ts.SyncNetConfig(img_size=64, embed_dim=32, aud_widths=(8, 16, 16, 16, 16, 32),
                           lip_widths=(8, 16, 16, 16, 16, 32), fc_dim=32)
    return save_weights(ts.SyncNet(cfg).eval(), path, {"purpose": "tests"})


def test_evaluate_rescores_when_syncnet_weights_change(tmp_path, monkeypatch):
    """`evaluate --weights syncnet=A` then `syncnet=B` into the same --out: B's LSE-C."""
    pytest.importorskip("talkbench_syncnet")
    from talkbench.cli import cli, register_plugin_commands

    monkeypatch.delenv("TALKBENCH_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("TALKBENCH_WEIGHTS", raising=False)
    plugins.reset_plugins()
    register_plugin_commands()
    videos = tmp_path / "videos"
    videos.mkdir()
    _video(videos / "a.mp4", 1, t=20)
    a = _syncnet_weights(tmp_path / "a.model", 0)
    b = _syncnet_weights(tmp_path / "b.model", 1)
    out = tmp_path / "R"
    values = {}
    try:
        for name, w in (("a", a), ("b", b), ("a2", a)):
            res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--metrics", "lse_c", "-q",
                                           "--metric-option", "lse_c.jpeg_roundtrip=false", "--metric-option", "lse_c.min_windows=1",
                                           "--weights", f"syncnet={w}", "--out", str(out)])
            assert res.exit_code == 0, res.output
            (run_dir,) = (out / "runs").iterdir()
            rec = _record(run_dir)
            m = rec["metrics"]["lse_c"]
            assert m["weights"][0]["path"] == str(w.resolve())
            values[name] = m["value"]
    finally:
        clear_weight_overrides()
        plugins.reset_plugins()
    assert values["a"] != values["b"]  # B's number, not A's cached one
    assert values["a2"] == values["a"]
