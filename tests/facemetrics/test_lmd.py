"""LMD equals the ViCo formula computed independently on the same landmarks; GT vs GT is 0 and a
static (frozen first frame) video is farther from GT, on real frames with the dlib backend."""

from __future__ import annotations

import numpy as np
import pytest

from talkbench import Clip, get_metric, load_clip
from talkbench.faces import track_faces

N = 8


def _clip(frames, cid):
    return Clip(id=cid, frames_source=frames, audio_source=np.zeros(640 * len(frames), np.float32))


@pytest.fixture(scope="module")
def gt(realdata):
    # every third frame: mouth shapes differ enough within a few frames
    return _clip(load_clip(realdata / "video" / "videoretalking_face_3.mp4").frames[:3 * N:3], "gt")


def test_lmd_equals_independent_vico_formula(gt):
    static = _clip(np.repeat(gt.frames[:1], N, axis=0), "static")
    res = get_metric("lmd")().compute(static, gt)
    a = track_faces(static, backend="dlib").landmarks
    b = track_faces(gt, backend="dlib").landmarks
    # ViCo's evaluations/compute_lmd.py: lmd_values.append(np.abs(pd[48:68] - gt[48:68])); mean
    vico = np.mean([np.abs(a[t, 48:68] - b[t, 48:68]) for t in range(N)])
    assert res["n"] == N and res["backend"] == "dlib"
    assert res["value"] == pytest.approx(vico, rel=1e-9)
    per_frame = [np.mean([np.hypot(*(a[t, i] - b[t, i])) for i in range(48, 68)]) for t in range(N)]
    euc = get_metric("lmd")(distance="euclidean").compute(static, gt)["value"]
    assert euc == pytest.approx(np.mean(per_frame), rel=1e-9) and euc > res["value"]


def test_lmd_pools_frames_over_the_corpus_as_vico():
    """ViCo averages every frame of every video at once: a 2-frame clip weighs 2, a 6-frame clip 6."""
    lmd = get_metric("lmd")()
    agg = lmd.aggregate([{"value": 1.0, "n": 2}, {"value": 3.0, "n": 6}])
    assert agg["value"] == pytest.approx((1.0 * 2 + 3.0 * 6) / 8)


def test_lmd_gt_vs_gt_zero_static_larger_normalised_variant(gt):
    static = _clip(np.repeat(gt.frames[:1], N, axis=0), "static")
    lmd = get_metric("lmd")()
    assert lmd.compute(gt, gt)["value"] == 0.0
    far = lmd.compute(static, gt)["value"]
    assert far > 0.5  # pixels
    norm = get_metric("lmd")(normalize="interocular").compute(static, gt)["value"]
    b = track_faces(gt, backend="dlib").landmarks
    iod = np.linalg.norm(b[:, 45] - b[:, 36], axis=1)
    assert 0 < norm < far and norm == pytest.approx(far / iod.mean(), rel=0.1)
    assert get_metric("lmd")().protocol()["units"] == "pixels of the full frame"
