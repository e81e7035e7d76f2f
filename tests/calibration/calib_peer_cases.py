"""Calibration-summary rows of the peer SyncNet presets (latentsync, mocha, syncnet-demo): the
fixtures in tests/fixtures/{latentsync_sync,mocha_sync,syncnet_demo}, tolerances of their
PROTOCOL.md (LSE 1e-4, offsets equal). Inputs are rebuilt with the ffmpeg CLI as the fixture
tests do (tests/fixtures/peer_sync_inputs/build_inputs.py)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import calib_cases as cc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INPUTS = FIXTURES / "peer_sync_inputs"


def _net(shared: Path):
    from talkbench_syncnet.model import load_syncnet

    return load_syncnet(cc._unxz(shared / "calibration" / "syncnet_random_seed0.model.xz"))


def _clip(name: str) -> Path:
    sys.path.insert(0, str(INPUTS))
    import build_inputs

    out = Path(tempfile.mkdtemp(prefix="talkbench_peer_calib_"))
    path = build_inputs.build_clips(out, [name])[name]
    want = json.loads((INPUTS / "inputs_sha256.json").read_text())[name]
    if build_inputs.sha256(path) != want:
        raise AssertionError(f"{path}: rebuilt input differs from the fixture's (FFmpeg/x264 version)")
    return path


def _boxes(file: Path, clip: str):
    boxes = json.loads(file.read_text())["clips"][clip]["boxes"]
    return lambda frames: boxes


def demo_rows(shared: Path, Row) -> list:
    from talkbench_syncnet.peers.demo import run_demo

    exp = json.loads((FIXTURES / "syncnet_demo" / "expected.json").read_text())["clips"]["calib_katie_4s_224"]
    got = run_demo(shared / "calibration" / "KatieHill_4s_224.mp4", _net(shared))
    where = "tests/fixtures/syncnet_demo/expected.json: calib_katie_4s_224"
    return [Row("lse_c", "syncnet-demo", "LSE-C", exp["conf"], got["lse_c"], 1e-4, where),
            Row("lse_d", "syncnet-demo", "LSE-D", exp["min_dist"], got["lse_d"], 1e-4, where),
            Row("lse_c, lse_d", "syncnet-demo", "offset", float(exp["offset"]), float(got["offset"]), 0.0, where)]


def latentsync_rows(shared: Path, Row) -> list:
    from talkbench_syncnet.peers.latentsync import run_latentsync

    exp = json.loads((FIXTURES / "latentsync_sync" / "expected.json").read_text())["clips"]["cut"]
    got = run_latentsync(_clip("cut"), _net(shared), _boxes(INPUTS / "boxes.json", "cut"))
    where = "tests/fixtures/latentsync_sync/expected.json: cut (2 tracks)"
    return [Row("lse_c", "latentsync", "LSE-C (mean of tracks)", exp["clip"]["conf"], got["lse_c"], 1e-4, where),
            Row("lse_c, lse_d", "latentsync", "offset", float(exp["clip"]["av_offset"]), float(got["offset"]), 0.0,
                where),
            Row("lse_c, lse_d", "latentsync", "tracks", float(len(exp["tracks"])), float(len(got["tracks"])), 0.0,
                where)]


def mocha_rows(shared: Path, Row) -> list:
    from talkbench_syncnet.peers.mocha import run_mocha

    exp = json.loads((FIXTURES / "mocha_sync" / "expected.json").read_text())["clips"]["cut"]
    clip = _clip("cut")
    got = run_mocha(clip, clip, _net(shared), _boxes(FIXTURES / "mocha_sync" / "boxes.json", "cut"))
    where = "tests/fixtures/mocha_sync/expected.json: cut (2 tracks)"
    return [Row("lse_c", "mocha", "LSE-C (best track)", exp["result"]["best_conf"], got["lse_c"], 1e-4, where),
            Row("lse_d", "mocha", "LSE-D (min over tracks)", exp["result"]["min_dist"], got["lse_d"], 1e-4, where),
            Row("lse_c, lse_d", "mocha", "tracks", float(len(exp["tracks"])), float(len(got["tracks"])), 0.0, where)]


def wild_rows(shared: Path, Row) -> list:
    """protocol=wild on the fixture's hard-cut clip (2 shots, 2 tracks) against syncnet_python's
    run_pipeline + Wav2Lip's calculate_scores_real_videos run unmodified
    (tests/fixtures/syncnet_wild): per-track LSE-C/LSE-D, offsets, track count."""
    import hashlib

    from talkbench_syncnet.fast import FastSyncNet
    from talkbench_syncnet.wild.pipeline import run_wild
    from talkbench_syncnet.wild.settings import WildSettings

    fixture = FIXTURES / "syncnet_wild"
    sys.path.insert(0, str(fixture))
    import make_inputs

    path = make_inputs.build_one("cut", Path(tempfile.mkdtemp(prefix="talkbench_wild_calib_")))
    want_sha = json.loads((fixture / "inputs.json").read_text())["cut"]["sha256"]
    if hashlib.sha256(path.read_bytes()).hexdigest() != want_sha:
        raise AssertionError(f"{path}: rebuilt input differs from the fixture's (FFmpeg version)")
    dets = json.loads((fixture / "face_geometry.json").read_text())["clips"]["cut"]["detections"]
    exp = json.loads((fixture / "expected.json").read_text())["clips"]["cut"]
    got = run_wild(path, FastSyncNet(_net(shared)), WildSettings(), lambda frames: dets, keep_boxes=True)
    where = "tests/fixtures/syncnet_wild/expected.json: cut (2 tracks)"
    rows = [Row("lse_c, lse_d", "wild", "tracks", float(len(exp["tracks"])), float(len(got["tracks"])), 0.0, where)]
    for i, (g, w) in enumerate(zip(got["tracks"], exp["tracks"])):
        rows += [Row("lse_c", "wild", f"LSE-C track {i}", w["lse_c"], g["lse_c"], 1e-4, where),
                 Row("lse_d", "wild", f"LSE-D track {i}", w["lse_d"], g["lse_d"], 1e-4, where),
                 Row("lse_c, lse_d", "wild", f"offset track {i}", float(w["offset"]), float(g["offset"]), 0.0, where)]
    return rows
