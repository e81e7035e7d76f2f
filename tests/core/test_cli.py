"""The command line: examples in every help, one-line errors, run/evaluate/merge/train/info."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from talkbench import Trainer, hookimpl, plugins
from talkbench.cli import cli, register_plugin_commands


def _invoke(*args, **kw):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)


def test_every_command_help_shows_an_example():
    register_plugin_commands()  # the commands plugins add (table, sweep, prepare, ...) count too
    res = _invoke("--help")
    assert res.exit_code == 0 and "Examples:" in res.output and "talkbench demo" in res.output
    missing = []
    for name in sorted(cli.commands):
        out = _invoke(name, "--help").output
        body = "\n".join(line for line in out.splitlines() if not line.startswith("Usage:"))
        if f"talkbench {name}" not in body:  # an example invocation, beyond the usage line
            missing.append(name)
    assert not missing, f"commands whose --help shows no example: {missing}"
    assert {"run", "evaluate", "train", "models", "metrics", "datasets", "plugins", "weights", "merge", "demo"} <= set(cli.commands)


def test_errors_are_one_red_line_and_exit_code_2(fake_plugins, tmp_path):
    res = CliRunner().invoke(cli, ["run", "--model", "copygn", "--dataset", "fakeds", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert res.output == ("talkbench: error: unknown model 'copygn'. Did you mean 'copygen'? "
                          "Known models: copygen\n")
    res = CliRunner().invoke(cli, ["run", "--model", "copygen", "--dataset", "fakeds", "--metric-option", "mae=1"])
    assert res.exit_code == 2 and "must look like METRIC.NAME=VALUE" in res.output
    assert "Traceback" not in res.output


def test_run_command_with_options_and_summary(fake_plugins, tmp_path):
    res = _invoke("run", "--model", "copygen", "--dataset", "fakeds", "--limit", "2", "--metrics", "mae,loud",
                  "--metric-option", "loud.scale=3", "--option", "gain=4", "--dataset-option", "n=4",
                  "--out", str(tmp_path), "--device", "cpu", "--seed", "7", "-q")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "copygen on fakeds/test (2 clips, 0 with failures)"
    assert lines[1].startswith("  mae      ↓ ") and lines[2].startswith("  loud     ↑ ")
    rec = json.loads(open(lines[-1].split("record: ")[1]).read())
    assert rec["model"]["options"] == {"gain": 4} and rec["seeds"]["seed"] == 7
    assert rec["metrics"]["loud"]["protocol"] == {"scale": 3.0} and rec["dataset"]["options"]["n"] == 4


def test_evaluate_lists_unmatched_files_and_clips_without_video(fake_plugins, tmp_path):
    from talkbench.runner import run_benchmark

    # score_from="encoded": the run scores its mp4s, the very files evaluate is given below
    made = run_benchmark("copygen", "fakeds", metrics=["mae"], limit=4, out=tmp_path / "made", progress=False,
                         device="cpu", score_from="encoded")
    videos = tmp_path / "other_tool"
    videos.mkdir()
    for cid in ("test000", "test001", "test003"):
        shutil.copy(made / "videos" / f"{cid}.mp4", videos / f"{cid}.mp4")
    shutil.copy(made / "videos" / "test000.mp4", videos / "stray_take2.mp4")
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--dataset", "fakeds", "--limit", "4",
                                   "--metrics", "mae", "--out", str(tmp_path / "ev"), "--label", "OtherTool", "-q"])
    assert res.exit_code == 0, res.output
    assert "1 file(s) match no clip of fakeds: stray_take2.mp4" in res.output
    assert "1 clip(s) have no video: test002" in res.output
    rec = json.loads(next((tmp_path / "ev").rglob("record.json")).read_text())
    assert rec["evaluate"] == {"matched": 3, "unmatched_files": ["stray_take2.mp4"], "clips_without_video": ["test002"]}
    assert rec["model"]["name"] == "OtherTool" and rec["metrics"]["mae"]["n_clips"] == 3
    # the same videos scored by evaluate and by run agree exactly
    made_rec = json.loads((made / "scores" / "test001.json").read_text())
    ev_scores = json.loads(next((tmp_path / "ev").rglob("scores/test001.json")).read_text())
    assert ev_scores["metrics"]["mae"]["value"] == made_rec["metrics"]["mae"]["value"]


def test_evaluate_with_no_matching_file_is_an_error(fake_plugins, tmp_path):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "unrelated.mp4").write_bytes(b"x")
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(tmp_path / "v"), "--dataset", "fakeds"])
    assert res.exit_code == 2 and "no file matches a clip id of fakeds/test" in res.output


def test_merge_command_rebuilds_record(fake_plugins, tmp_path):
    for i in (0, 1):
        assert _invoke("run", "--model", "copygen", "--dataset", "fakeds", "--limit", "3", "--metrics", "mae",
                       "--shard", f"{i}/2", "--out", str(tmp_path), "-q").exit_code == 0
    run_dir = next((tmp_path / "runs").iterdir())
    before = json.loads((run_dir / "record.json").read_text())["metrics"]["mae"]["value"]
    (run_dir / "record.json").unlink()
    res = _invoke("merge", str(run_dir))
    assert res.exit_code == 0 and res.output.splitlines()[0] == "copygen on fakeds/test (3 clips, 0 with failures)"
    assert json.loads((run_dir / "record.json").read_text())["metrics"]["mae"]["value"] == before


def test_info_commands(fake_plugins):
    out = _invoke("models", "--options").output
    assert "copygen  v1  needs=source_video  outputs=full_frame" in out
    assert "    --option gain: int = 0  added to every pixel" in out
    out = _invoke("metrics").output
    assert "mae ↓  MAE  v2  range=None  needs=generated,reference  aggregation=pooled" in out
    assert "    --metric-option loud.scale: float = 1.0  multiplier" in out
    cards = json.loads(_invoke("metrics", "--json").output)
    assert {c["name"] for c in cards} == {"mae", "loud", "words", "noweights", "flaky"}
    assert _invoke("datasets").output.startswith("fakeds  splits=test,train  default=test  built in")
    assert _invoke("plugins").output == ""  # entry points are off in this test; run-time plugins are private


def test_weights_command_lists_present_and_missing(tmp_path, monkeypatch, fake_plugins):
    from talkbench.weights import WeightSpec

    class W:
        @hookimpl
        def register_weights(self, register):
            register(WeightSpec("here", "here.bin", urls=("https://example.org/here.bin",)))
            register(WeightSpec("gone", "gone.bin", urls=("https://example.org/gone.bin",)))

    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path))
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "here.bin").write_bytes(b"\x80\x02ok")
    plugins.pm.register(W(), name="_w")
    try:
        out = _invoke("weights").output.splitlines()
    finally:
        plugins.pm.unregister(name="_w")
    assert out == [f"gone  missing  {tmp_path / 'weights' / 'gone.bin'}", "    url: https://example.org/gone.bin",
                   f"here  present  {tmp_path / 'weights' / 'here.bin'}", "    url: https://example.org/here.bin"]


def test_train_command_calls_the_trainer(fake_plugins, tmp_path):
    calls = {}

    class Tiny(Trainer):
        name = "tinymodel"
        from talkbench import Option
        options = (Option("lr", float, 1e-3), Option("width", int, 8))
        presets = {"tiny": {"width": 4}, "paper": {"width": 256}}
        default_preset = "tiny"

        def train(self, dataset, *, split, out_dir, device="cpu", seed=0, resume=False, max_steps=None):
            calls.update(options=dict(self.options), split=split, n=len(dataset.clip_ids(split)), device=device,
                         seed=seed, resume=resume, max_steps=max_steps)
            return out_dir / "final.pt"

    class P:
        @hookimpl
        def register_trainers(self, register):
            register(Tiny)

    plugins.pm.register(P(), name="_t")
    try:
        res = _invoke("train", "--model", "tinymodel", "--dataset", "fakeds", "--option", "lr=0.01",
                      "--out", str(tmp_path / "ck"), "--max-steps", "5", "--resume", "--device", "cpu", "--seed", "3")
        bad = CliRunner().invoke(cli, ["train", "--model", "tinymodel", "--dataset", "fakeds", "--preset", "huge"])
    finally:
        plugins.pm.unregister(name="_t")
    assert res.exit_code == 0, res.output
    assert res.output == f"checkpoint: {tmp_path / 'ck' / 'final.pt'}\n"
    assert calls == {"options": {"lr": 0.01, "width": 4}, "split": "train", "n": 6, "device": "cpu", "seed": 3,
                     "resume": True, "max_steps": 5}
    assert bad.exit_code == 2 and "trainer tinymodel has no preset 'huge'; presets: tiny, paper" in bad.output


def test_missing_dataset_root_is_one_line_with_the_layout(tmp_path):
    """The real lrs3 dataset plugin (entry point 'datasets') given a root that does not exist."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, TALKBENCH_LOAD_PLUGINS="datasets,builtins", PYTHONPATH=str(repo))
    env.pop("TALKBENCH_DATA", None)
    proc = subprocess.run([sys.executable, "-m", "talkbench.cli", "run", "--model", "gt", "--dataset", "lrs3",
                           "--data-root", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r"), "-q"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"talkbench: error: lrs3: --data-root {tmp_path / 'nowhere'} does not exist")
    assert "ROOT/test/<speaker>/<id>.mp4" in lines[0]
    assert not (tmp_path / "r").exists()
