"""CSIM: insightface alignment pinned to skimage's similarity estimate and norm_crop's warp on
real frames; an ArcFace-layout ONNX graph (seeded random) gives PyTorch's embeddings through
onnxruntime; sanity on real media with the offline dlib descriptor."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.transform import SimilarityTransform

from talkbench import Clip, WeightsMissingError, get_metric, load_clip
from talkbench.faces import track_faces
from talkbench.weights import clear_weight_overrides, set_weight_override
from talkbench_face.align import ARCFACE_DST, five_points, norm_crop, similarity_matrix
from talkbench_face.embedders import ArcFaceONNX

from arcface_graphs import random_weights, torch_embed, write_graph

N = 6


def _clip(frames, cid):
    return Clip(id=cid, frames_source=frames, audio_source=np.zeros(640 * len(frames), np.float32))


@pytest.fixture(scope="module")
def aoc(realdata):
    return _clip(load_clip(realdata / "video" / "sadtalker_WDA_AlexandriaOcasioCortez_000.mp4").frames[:N], "aoc")


@pytest.fixture(scope="module")
def katie(realdata):
    return _clip(load_clip(realdata / "video" / "sadtalker_WDA_KatieHill_000.mp4").frames[:N], "katie")


def test_similarity_transform_equals_skimage_estimate(aoc):
    lm = track_faces(aoc, backend="dlib").landmarks
    for pts in (five_points(l) for l in lm[:3]):
        tf = SimilarityTransform()
        assert tf.estimate(pts, ARCFACE_DST)  # what insightface's estimate_norm does
        np.testing.assert_allclose(similarity_matrix(pts), tf.params[:2], atol=1e-5)  # px


def test_norm_crop_equals_insightface_warp_on_real_frames(aoc):
    lm = track_faces(aoc, backend="dlib").landmarks
    for frame, l in zip(aoc.frames[:3], lm[:3]):
        tf = SimilarityTransform()
        tf.estimate(five_points(l), ARCFACE_DST)
        expected = cv2.warpAffine(frame, tf.params[0:2, :], (112, 112), borderValue=0.0)
        got = norm_crop(frame, five_points(l))
        assert got.shape == (112, 112, 3)
        assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    assert five_points(lm[0])[0, 0] < five_points(lm[0])[1, 0]  # left eye left of right eye


@pytest.mark.parametrize("self_normalising", [False, True])
def test_onnx_arcface_equals_pytorch(tmp_path, aoc, self_normalising):
    w = random_weights(0)
    emb = ArcFaceONNX(write_graph(tmp_path / "w600k_r50.onnx", w, self_normalising))
    assert (emb.mean, emb.std) == ((0.0, 1.0) if self_normalising else (127.5, 127.5))
    lm = track_faces(aoc, backend="dlib").landmarks
    got = emb.embed(aoc.frames, lm, batch=4)
    crops = np.stack([norm_crop(f, five_points(l)) for f, l in zip(aoc.frames, lm)])
    expected = torch_embed(crops, w)
    assert got.shape == (N, 512)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_csim_arcface_metric_self_is_one_and_records_weights(tmp_path, aoc, katie):
    path = write_graph(tmp_path / "glintr100.onnx", random_weights(1))
    set_weight_override("arcface-glintr100", path)
    try:
        m = get_metric("csim")()
        m.load("cpu")
        res = m.compute(aoc, aoc)
        assert res["value"] == pytest.approx(1.0, abs=1e-6) and res["n"] == N
        assert m.weight_records()[0]["path"] == str(path)
        assert "ArcFace arcface-glintr100" in m.protocol()["network"]
    finally:
        clear_weight_overrides()


def test_csim_missing_weights_say_file_url_and_place():
    m = get_metric("csim")(arcface="arcface-w600k-r50")
    with pytest.raises(WeightsMissingError) as exc:
        m.load("cpu")
    assert "w600k_r50.onnx" in str(exc.value) and "buffalo_l.zip" in str(exc.value)


def test_csim_dlib_offline_self_one_other_speaker_lower(aoc, katie):
    m = get_metric("csim_dlib")(identity="first")
    m.load("cpu")
    assert m.card()["label"] == "CSIM (dlib)" and m.weights == ()
    self_sim = m.compute(aoc, aoc)
    other = m.compute(katie, aoc)
    assert self_sim["n"] == N and 0.9 < self_sim["value"] <= 1.0 + 1e-9  # frame 0 vs itself is 1
    assert other["value"] < self_sim["value"] - 0.05
    m2 = get_metric("csim_dlib")()
    m2.load("cpu")
    assert m2.compute(aoc, aoc)["value"] == pytest.approx(1.0, abs=1e-9)
    assert "not ArcFace" in m2.protocol()["network"]
