"""lse_c / lse_d with protocol=wild on a small synthetic file: per-track payload, the given
face geometry, the cache keyed by its content, the no-track failure (tiny random SyncNet)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkbench import ClipFailure, get_metric, load_clip, write_video

from conftest import needs_ffmpeg

N = 120


def _clip_file(tmp_path):
    y, x = np.mgrid[0:128, 0:128]
    base = np.stack([x * 2, y * 2, np.full_like(x, 90)], -1).astype(np.uint8)
    frames = np.repeat(base[None], N, 0)
    for t in range(N):  # a "mouth" that opens and closes
        frames[t, 80:84 + (t % 10), 50:78] = 20
    audio = (0.2 * np.sin(np.arange(N * 640) * 2 * np.pi * 220 / 16000)).astype(np.float32)
    return write_video(tmp_path / "synth.mp4", frames, 25.0, audio)


def _geometry(tmp_path, name, n, shift=0.0):
    box = [20.0 + shift, 20.0, 110.0 + shift, 112.0, 0.99]
    path = tmp_path / name
    path.write_text(json.dumps({"format": "talkbench-face-geometry/1",
                                "clips": {"synth": {"frames": n, "detections": [[box]] * n}}}))
    return path


@needs_ffmpeg
def test_wild_metric_per_track_payload_and_geometry_keyed_cache(tmp_path, tiny_syncnet, monkeypatch):
    from talkbench_syncnet.metric import clear_caches
    from talkbench_syncnet.wild.convert import convert

    monkeypatch.setenv("TALKBENCH_WEIGHTS", f"syncnet={tiny_syncnet}")
    clear_caches()
    path = _clip_file(tmp_path)
    n = len(convert(path, tmp_path / "conv").frames)  # geometry is per converted frame
    geo_a, geo_b = _geometry(tmp_path, "a.json", n), _geometry(tmp_path, "b.json", n, shift=6.0)
    opts = {"protocol": "wild", "min_face_size": 50.0}
    c = get_metric("lse_c")(face_geometry=str(geo_a), **opts)
    d = get_metric("lse_d")(face_geometry=str(geo_a), **opts)
    c.load("cpu"), d.load("cpu")
    clip = load_clip(path)
    out = c.compute(clip, None)
    (track,) = out["tracks"]
    assert out["shots"] == [[0, N]] and (track["start"], track["end"]) == (0, N - 1)
    assert out["value"] == track["lse_c"] and out["combine"] == "all" and out["faces"]["backend"] == "given"
    assert track["box"]["mean"] == [20.0, 20.0, 110.0, 112.0] and track["n_windows"] == N - 5
    assert d.compute(clip, None)["value"] == track["lse_d"]  # one pipeline run, two views
    shifted = get_metric("lse_c")(face_geometry=str(geo_b), **opts)
    shifted.load("cpu")
    other = shifted.compute(clip, None)["tracks"][0]
    assert other["box"]["mean"][0] == 26.0 and other["lse_c"] != track["lse_c"]
    agg = c.aggregate([out, out])
    assert agg["n_tracks"] == 2 and agg["value"] == pytest.approx(track["lse_c"])
    strict = get_metric("lse_c")(face_geometry=str(geo_a), min_track=N, **opts)
    strict.load("cpu")
    with pytest.raises(ClipFailure, match=f"no face track ≥ {N} frames"):
        strict.compute(clip, None)
    clear_caches()


@needs_ffmpeg
def test_wild_without_geometry_detects_every_converted_frame(tmp_path, tiny_syncnet, monkeypatch):
    """No face_geometry: the face backend runs on each converted frame; no face is the recorded
    failure with the count, and face_backend=given asks for the file."""
    from talkbench import OptionError
    from talkbench_syncnet.metric import clear_caches

    monkeypatch.setenv("TALKBENCH_WEIGHTS", f"syncnet={tiny_syncnet}")
    clear_caches()
    clip = load_clip(_clip_file(tmp_path))
    m = get_metric("lse_c")(protocol="wild", face_backend="dlib")
    m.load("cpu")
    with pytest.raises(ClipFailure, match=r"no face track ≥ 100 frames .*faces in 0 frames"):
        m.compute(clip, None)
    given = get_metric("lse_c")(protocol="wild", face_backend="given")
    given.load("cpu")
    with pytest.raises(OptionError, match="face_geometry=FILE"):
        given.compute(clip, None)
    clear_caches()
