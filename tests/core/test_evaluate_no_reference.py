"""`evaluate --videos DIR` without --dataset scores only metrics that need no reference video."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from talkbench.cli import cli
from talkbench.cli.evaluate_refs import resolve_evaluate_source
from talkbench.errors import TalkbenchError


@pytest.fixture
def folder_dataset(fake_plugins):
    """The built-in datasets (``folder``) beside the fake plugins."""
    import talkbench.datasets
    from talkbench import plugins

    plugins.pm.register(talkbench.datasets, name="_datasets")
    yield
    plugins.pm.unregister(talkbench.datasets, name="_datasets")


@pytest.fixture
def videos(folder_dataset, tmp_path):
    from talkbench.runner import run_benchmark

    made = run_benchmark("copygen", "fakeds", metrics=["loud"], limit=2, out=tmp_path / "made", progress=False,
                         device="cpu")
    out = tmp_path / "other_tool"
    out.mkdir()
    for cid in ("test000", "test001"):
        shutil.copy(made / "videos" / f"{cid}.mp4", out / f"{cid}.mp4")
    return out


def _record(path):
    return json.loads(next(path.rglob("record.json")).read_text())


def test_without_reference_only_reference_free_metrics_and_one_line_says_why(videos, tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--out", str(tmp_path / "ev"), "-q"])
    assert res.exit_code == 0, res.output
    skipped = [ln for ln in res.output.splitlines() if "not scored" in ln]
    assert len(skipped) == 1  # once, not per metric or per clip
    assert "flaky, mae, noweights (need a reference video; pass --dataset NAME (or --reference DIR" in skipped[0]
    assert "words (needs transcripts: put <name>.txt beside each video)" in skipped[0]
    rec = _record(tmp_path / "ev")
    assert sorted(rec["metrics"]) == ["loud"] and rec["metrics"]["loud"]["n_clips"] == 2
    # with transcripts beside the videos, the transcript metric runs too
    for cid in ("test000", "test001"):
        (videos / f"{cid}.txt").write_text("HELLO THERE WORLD\n")
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--out", str(tmp_path / "ev2"), "-q"])
    assert res.exit_code == 0, res.output
    assert sorted(_record(tmp_path / "ev2")["metrics"]) == ["loud", "words"]


def test_full_reference_metric_without_reference_is_an_error(videos):
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--metrics", "mae,loud"])
    assert res.exit_code == 2
    assert res.output.startswith("talkbench: error: --metrics mae compare with reference videos")
    assert "--reference DIR" in res.output and res.output.count("\n") == 1


def test_reference_folder_gives_full_reference_metrics(videos, tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--reference", str(videos),
                                   "--metrics", "mae", "--out", str(tmp_path / "ev"), "-q"])
    assert res.exit_code == 0, res.output
    rec = _record(tmp_path / "ev")
    assert rec["metrics"]["mae"]["value"] == pytest.approx(0.0)  # the same files: no difference
    with pytest.raises(TalkbenchError, match="give one of them"):
        resolve_evaluate_source(str(videos), "fakeds", None, str(videos), None, {})


def test_missing_videos_folder_names_videos_not_data_root(folder_dataset, tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(tmp_path / "nonexistent")])
    assert res.exit_code == 2
    assert res.output == f"talkbench: error: --videos {tmp_path / 'nonexistent'}: no such directory; " \
                         "give the folder of videos to score\n"
    assert "--data-root" not in res.output


def test_record_io_summary_counts_resampled_external_videos(folder_dataset, tmp_path):
    """A folder of 22.13 and 30 fps clips: both are converted to 25 fps, and the record says so."""
    import numpy as np

    from talkbench import write_video

    videos = tmp_path / "mixed"
    videos.mkdir()
    for name, fps in (("a22", 22.13), ("b30", 30.0), ("c25", 25.0)):
        n = int(round(fps * 1.2))
        frames = np.full((n, 64, 64, 3), 100, np.uint8)
        frames[:, 20:40, 20:40] = np.arange(n)[:, None, None, None] * 3 % 255
        audio = (0.1 * np.sin(np.arange(int(16000 * n / fps)) / 5.0)).astype(np.float32)
        write_video(videos / f"{name}.mp4", frames, fps, audio, 16000)
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--metrics", "loud",
                                   "--out", str(tmp_path / "ev"), "-q"])
    assert res.exit_code == 0, res.output
    io = _record(tmp_path / "ev")["io"]
    assert io["video_resampled_clips"] == 2
    assert io["source_fps"] == [22.13, 25.0, 30.0]


def test_without_reference_each_video_is_decoded_once(videos, tmp_path, monkeypatch):
    """The folder's "reference" clip is the scored file itself: its frame count comes from the
    one decode the metrics use, not from decoding the same file again."""
    from talkbench.io import video as video_io

    decoded = []
    real = video_io._decode
    monkeypatch.setattr(video_io, "_decode", lambda path, *a: decoded.append(path.name) or real(path, *a))
    res = CliRunner().invoke(cli, ["evaluate", "--videos", str(videos), "--out", str(tmp_path / "ev"), "-q"])
    assert res.exit_code == 0, res.output
    assert sorted(decoded) == ["test000.mp4", "test001.mp4"]
    entry = json.loads(next((tmp_path / "ev").rglob("scores/test000.json")).read_text())
    lengths = entry["video"]["lengths"]
    assert lengths["reference_frames"] == lengths["scored_frames"] > 0 and lengths["mismatch"] == []
