"""`talkbench evaluate --videos DIR --metrics lse_c,lse_d --weights syncnet=F
--metric-option syncnet.protocol=wild --metric-option syncnet.face_geometry=G` on fixture
clips: per-track results in each clip's score file, the reference's numbers, the short clip a
recorded failure, the dataset value pooled over tracks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import FIXTURE, needs_ffmpeg


@needs_ffmpeg
@pytest.mark.slow
def test_evaluate_wild_folder(tmp_path, wild_inputs, wild_expected, wild_net, monkeypatch):
    from talkbench.cli import cli
    from talkbench_syncnet.metric import clear_caches

    clear_caches()
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("cut", "short"):
        (videos / f"{name}.mp4").symlink_to(wild_inputs(name))
    res = CliRunner().invoke(cli, [
        "evaluate", "--videos", str(videos), "--metrics", "lse_c,lse_d", "--weights", f"syncnet={wild_net[0]}",
        "--metric-option", "syncnet.protocol=wild",
        "--metric-option", f"syncnet.face_geometry={FIXTURE / 'face_geometry.json'}",
        "--out", str(tmp_path / "out"), "-q", "--allow-failures"])
    assert res.exit_code == 0, res.output
    assert "no face track ≥ 100 frames" in res.output
    (run,) = (tmp_path / "out" / "runs").iterdir()
    scores = json.loads((run / "scores" / "cut.json").read_text())["metrics"]
    want = wild_expected["clips"]["cut"]["tracks"]
    for metric in ("lse_c", "lse_d"):
        tracks = scores[metric]["tracks"]
        assert [(t["start"], t["end"]) for t in tracks] == [(w["start"], w["end"]) for w in want]
        assert [t["offset"] for t in tracks] == [w["offset"] for w in want]
        for t, w in zip(tracks, want):
            assert abs(t[metric] - w[metric]) <= 1e-4
        assert scores[metric]["value"] == pytest.approx(np.mean([w[metric] for w in want]), abs=1e-4)
    record = json.loads((run / "record.json").read_text())
    lse_c = record["metrics"]["lse_c"]
    assert lse_c["n_tracks"] == 2 and lse_c["value"] == pytest.approx(np.mean([t["lse_c"] for t in want]), abs=1e-4)
    assert lse_c["protocol"]["protocol"] == "wild" and lse_c["n_failed"] == 1
    clear_caches()
