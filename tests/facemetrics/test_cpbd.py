"""CPBD equals the cpbd 1.0.7 package on real frames, drops when frames are blurred."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from talkbench import Clip, get_metric, load_clip
from talkbench_face.cpbd_core import cpbd

from cpbd_oracle import reference_cpbd


@pytest.fixture(scope="module")
def frames(realdata):
    return load_clip(realdata / "video" / "videoretalking_face_5.mp4").frames[:3]


def _grey(frame):
    from PIL import Image

    return np.asarray(Image.fromarray(frame).convert("L"))


def test_cpbd_equals_package_on_real_frames(frames):
    compute = reference_cpbd()
    for frame in frames[:2]:
        g = _grey(frame)[100:292, 120:376]  # a face-sized region keeps the package's loops short
        assert cpbd(g) == pytest.approx(compute(g), abs=1e-12)
    blurred = cv2.GaussianBlur(_grey(frames[0])[100:292, 120:376], (0, 0), 2.0)
    assert cpbd(blurred) == pytest.approx(compute(blurred), abs=1e-12)


def test_cpbd_metric_drops_with_blur(frames):
    clip = Clip(id="c", frames_source=frames, audio_source=np.zeros(640 * 3, np.float32))
    blurred = clip.replace(frames=np.stack([cv2.GaussianBlur(f, (0, 0), 2.0) for f in frames]))
    m = get_metric("cpbd")(region="full")
    sharp, soft = m.compute(clip, None), m.compute(blurred, None)
    assert sharp["n"] == 3 and 0 < soft["value"] < sharp["value"] <= 1
    assert sharp["value"] == pytest.approx(np.mean([cpbd(_grey(f)) for f in frames]), abs=1e-12)
