"""Figure strips: size, drawn labels, syllables in headers, mouth zoom, end to end from a run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

import talkbench
from talkbench.reports.figure import compose_strip, mouth_box, render_figure, syllable_at


def _clip_arrays(t=12, h=64, w=64):
    frames = np.full((t, h, w, 3), 200, np.uint8)
    lm = np.zeros((t, 68, 2), np.float32)
    lm[:, 48:68] = [[28, 40], [36, 40], [32, 44], [32, 36]] * 5  # a mouth around (32, 40)
    frames[:, 38:43, 30:35] = (255, 0, 0)  # a red mouth patch inside it
    meta = {"landmarks": lm, "syllables": [{"text": "ba", "word": 0, "start": 0.0, "end": 0.2},
                                           {"text": "du", "word": 0, "start": 0.3, "end": 0.44}]}
    return frames, meta


def test_syllable_lookup_and_mouth_box():
    _, meta = _clip_arrays()
    assert syllable_at(meta, 0.1) == "ba" and syllable_at(meta, 0.25) is None and syllable_at(meta, 0.4) == "du"
    x0, y0, x1, y1 = mouth_box(meta, 0, (64, 64))
    assert (x0 + x1) / 2 == pytest.approx(32) and (y0 + y1) / 2 == pytest.approx(40)
    assert x1 - x0 == pytest.approx(12)  # 1.5 × the 8-pixel mouth
    fx0, fy0, fx1, fy1 = mouth_box({"boxes": np.array([[10, 10, 50, 60]], np.float32)}, 0, (64, 64))
    assert (fx0 + fx1) / 2 == 30 and fy0 < 47.5 < fy1  # lower part of the face box


def test_compose_strip_size_labels_and_zoom():
    frames, meta = _clip_arrays()
    other = frames.copy()
    other[:, :, :, 1] = 90  # a visibly different "model"
    clips = [{"id": "c1", "meta": meta, "fps": 25.0, "rows": [("GT", frames), ("Static", other), ("Gone", None)]}]
    img, layout = compose_strip(clips, [0, 8], tile=100)
    label_w, head_h = 90, 22
    assert img.size == layout.size == (label_w + 2 * 100, 2 * head_h + 3 * 2 * 100)
    texts = [t for t, _ in layout.labels]
    assert texts == ["clip c1", "frame 0  /ba/", "frame 8  /du/", "GT", "GT\n(mouth)", "Static",
                     "Static\n(mouth)", "Gone", "Gone\n(mouth)"]
    arr = np.asarray(img)
    for text, (x0, y0, x1, y1) in layout.labels:  # every label left ink on the white canvas
        assert (arr[y0:y1 + 1, x0:x1 + 1] < 128).any(), text
    # the zoom row of GT (second row of tiles) is centred on the red mouth patch
    zoom = arr[2 * head_h + 100: 2 * head_h + 200, label_w: label_w + 100]
    assert tuple(zoom[50, 50]) == pytest.approx((255, 0, 0), abs=40)
    red = (zoom[..., 0] > 200) & (zoom[..., 1] < 80)
    assert 0.12 < red.mean() < 0.3  # the 5-px patch in a 12-px box: (5/12)² ≈ 0.17 of the tile
    assert layout.missing == ["c1:Gone:0", "c1:Gone:8", "c1:Gone:0", "c1:Gone:8"]
    grey = arr[2 * head_h + 450, label_w + 50]
    assert tuple(grey) == (200, 200, 200)


@pytest.fixture
def run_with_video(tmp_path, monkeypatch):
    """A results dir with one 'static' run on a tiny demo, its video written like the runner does."""
    monkeypatch.setenv("TALKBENCH_HOME", str(tmp_path / "home"))
    opts = {"size": 64, "n_speakers": 1, "clips_per_speaker": 2, "seconds": 1.0}
    ds = talkbench.get_dataset("demo")(**opts)
    clip = ds.load_clip("test", "spk00_000")
    out = talkbench.get_generator("static")().generate(clip, clip.audio)
    run = tmp_path / "results" / "runs" / "static-demo-test-abc"
    talkbench.write_video(run / "videos" / "spk00_000.mp4", out.frames, 25.0, out.audio)
    rec = {"schema_version": 1, "run_id": "r1", "created_at": "2026-11-23T20:00:00+00:00", "run_dir": run.name,
           "model": {"name": "static", "options": {}}, "metrics": {},
           "dataset": {"name": "demo", "split": "test", "options": opts, "root": None}}
    (run / "record.json").write_text(json.dumps(rec))
    return tmp_path / "results", clip


def test_render_figure_from_runs(run_with_video, tmp_path):
    results, clip = run_with_video
    recs = talkbench.reports.load_records(results)
    layout = render_figure(recs, ["spk00_000"], [3, 12], tmp_path / "fig.png", tile=64)
    img = Image.open(tmp_path / "fig.png")
    assert img.size == layout.size == (int(64 * 0.9) + 2 * 64, 2 * 22 + 4 * 64)
    assert [t for t, _ in layout.labels][3:] == ["GT", "GT\n(mouth)", "Static", "Static\n(mouth)"]
    assert layout.missing == []
    arr = np.asarray(img.convert("RGB")).astype(int)
    gt_tile = arr[44:108, 57:121]
    assert np.abs(gt_tile - clip.frames[3].astype(int)).mean() < 1.0  # 64-px tile = the frame itself
    with pytest.raises(talkbench.TalkbenchError, match="has 25 frames; frame\\(s\\) \\[30\\] are out of range"):
        render_figure(recs, ["spk00_000"], [3, 30], tmp_path / "bad.png")
    with pytest.raises(talkbench.TalkbenchError, match="no run has videos for clips nope"):
        render_figure(recs, ["nope"], [3], tmp_path / "bad.png")
