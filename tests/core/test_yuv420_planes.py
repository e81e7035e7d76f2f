"""read_frames(keep_yuv420=True): the decoder's 4:2:0 planes from the same decode, only where
they are the returned frames' planes; the runner keeps them only for a metric that asks."""

from __future__ import annotations

import numpy as np
import pytest

from talkbench import Clip, Metric, Yuv420, read_frames
from talkbench.io import write_video
from talkbench.io.lossless import write_lossless


def test_planes_of_a_420_file_belong_to_its_frames(tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (6, 34, 40, 3), dtype=np.uint8)
    path = tmp_path / "a.mp4"
    write_video(path, frames, fps=25)
    got, info, yuv = read_frames(path, 25.0, keep_yuv420=True)
    plain, info2 = read_frames(path, 25.0)
    assert np.array_equal(got, plain) and info == info2
    assert isinstance(yuv, Yuv420) and yuv.format == "yuv420p" and len(yuv) == 6
    assert yuv.y.shape == (6, 34, 40) and yuv.u.shape == yuv.v.shape == (6, 17, 20)
    assert yuv.rate == 25.0 and yuv.belongs_to(got) and not yuv.belongs_to(got[:, :30])
    # BT.601 limited range: the luma of the RGB frames, within rounding of the chroma upsampling
    luma = 16 + (65.481 * got[..., 0] + 128.553 * got[..., 1] + 24.966 * got[..., 2]) / 255
    assert np.abs(yuv.y.astype(float) - luma).mean() < 3
    assert [p.shape for p in yuv.planes(2)] == [(34, 40), (17, 20), (17, 20)]


def test_no_planes_when_resampled_or_not_420(tmp_path):
    frames = np.zeros((10, 32, 32, 3), np.uint8)
    write_video(tmp_path / "b.mp4", frames, fps=50)
    _, info, yuv = read_frames(tmp_path / "b.mp4", 25.0, keep_yuv420=True)
    assert info["resampled"] and yuv is None  # 50 → 25 fps drops frames: not their planes
    write_lossless(tmp_path / "c.mkv", frames, fps=25)
    _, _, yuv = read_frames(tmp_path / "c.mkv", 25.0, keep_yuv420=True)
    assert yuv is None  # FFV1 RGB: no 4:2:0 planes


def test_replacing_frames_drops_the_planes(tmp_path):
    write_video(tmp_path / "a.mp4", np.zeros((5, 16, 16, 3), np.uint8), fps=25)
    frames, _, yuv = read_frames(tmp_path / "a.mp4", 25.0, keep_yuv420=True)
    clip = Clip(id="a", frames_source=frames, yuv420=yuv)
    assert clip.replace(id="b").yuv420 is yuv
    assert clip.replace(frames=frames.copy()).yuv420 is None


def test_metrics_do_not_ask_for_planes_by_default():
    class M(Metric):
        name = "m"

        def compute(self, generated, reference):
            return {"value": 0.0}

    assert M().uses_yuv420() is False
