"""The difftalk generator and its inputs on demo-like clips (tiny random model)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkbench import OptionError, WeightsMissingError
from talkbench_difftalk.audio_features import smooth_windows, standin_windows
from talkbench_difftalk.config import TINY
from talkbench_difftalk.faces_prep import LDM_POINTS, face_inputs
from talkbench_difftalk.generator import DiffTalkGenerator
from talkbench_difftalk.model import DiffTalkModel

from difftalk_clips import demo_like_clip


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    torch.manual_seed(0)
    d = tmp_path_factory.mktemp("difftalk_tiny")
    DiffTalkModel(TINY).save_pretrained(d / "model")
    return d


def test_face_inputs_follow_difftalk():
    clip = demo_like_clip(4, 96)
    f = face_inputs(clip, 64, 16, backend="given")
    assert f.crops.shape == (4, 64, 64, 3) and f.crops.dtype == np.uint8
    assert f.landmarks.shape == (4, 39, 2) and np.array_equal(f.landmarks, f.landmarks68[:, LDM_POINTS])
    cut = int(np.floor(f.landmarks68[0, 33, 1]))
    assert 20 < cut < 60
    assert (f.masked[0, cut:] == 0).all() and np.array_equal(f.masked[0, :cut], f.crops[0, :cut])
    # the latent mask: 0 (generate) inside the mouth polygon, 1 at the top of the face
    assert f.keep_mask.shape == (4, 1, 16, 16)
    assert f.keep_mask[0, 0, 0].min() == 1 and f.keep_mask[0, 0].min() == 0


def test_audio_windows_shape_and_edges():
    audio = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    w = standin_windows(audio, 25)
    assert w.shape == (25, 16, 29) and np.isfinite(w).all()
    s = smooth_windows(w)
    assert s.shape == (25, 8, 16, 29)
    assert np.array_equal(s[10, 4], w[10]) and np.array_equal(s[10, 0], w[6]) and np.array_equal(s[0, 0], w[0])


def test_generator_frames_shape_and_determinism(tiny_dir):
    clip = demo_like_clip(5, 96)
    gen = DiffTalkGenerator(steps=2, batch_size=3)
    gen.load("cpu", tiny_dir)
    out = gen.generate(clip, clip.audio, seed=3)
    assert out.frames.shape == clip.frames.shape and out.frames.dtype == np.uint8
    assert out.meta["difftalk"]["audio_features"] == "stand-in"
    again = gen.generate(clip, clip.audio, seed=3)
    assert np.array_equal(out.frames, again.frames)
    # only the face box changes: the frame corners are the source's
    assert np.array_equal(out.frames[:, :4, :4], clip.frames[:, :4, :4])
    assert not np.array_equal(out.frames, clip.frames)


def test_deepspeech_features_are_used_or_missing_is_a_clip_failure(tiny_dir, tmp_path):
    from talkbench import ClipFailure

    clip = demo_like_clip(3, 96)
    gen = DiffTalkGenerator(steps=1, audio_features="deepspeech")
    gen.load("cpu", tiny_dir)
    clip.path = tmp_path / "c0.mp4"
    with pytest.raises(ClipFailure, match=r"c0\.ds\.npy"):
        gen.generate(clip, clip.audio)
    np.save(tmp_path / "c0.ds.npy", np.zeros((3, 16, 29), np.float32))
    assert gen.generate(clip, clip.audio).frames.shape == clip.frames.shape


def test_missing_weights_message():
    gen = DiffTalkGenerator()
    with pytest.raises(WeightsMissingError, match="never released weights.*talkbench train --model difftalk"):
        gen.load("cpu", None)


def test_lightning_ckpt_needs_config(difftalk_ckpt):
    with pytest.raises(WeightsMissingError, match="pass --option config="):
        DiffTalkGenerator().load("cpu", difftalk_ckpt)


def test_bad_option_is_one_line():
    with pytest.raises(OptionError, match="audio_features"):
        DiffTalkGenerator(audio_features="mfcc")


def test_paste_below_nose_keeps_the_upper_face(tiny_dir):
    clip = demo_like_clip(2, 96)
    gen = DiffTalkGenerator(steps=1, paste="below_nose")
    gen.load("cpu", tiny_dir)
    out = gen.generate(clip, clip.audio, seed=0).frames
    eyes = int(clip.meta["landmarks"][:, 36:48, 1].max())  # rows down to the lower eyelids
    assert np.array_equal(out[:, :eyes], clip.frames[:, :eyes])
    nose = int(clip.meta["landmarks"][:, 33, 1].min())
    assert not np.array_equal(out[:, nose:], clip.frames[:, nose:])


@pytest.mark.slow
def test_generator_runs_a_lightning_checkpoint_via_weights_override(difftalk_ckpt, difftalk_fixture_dir):
    from talkbench.weights import clear_weight_overrides, set_weight_override

    set_weight_override("difftalk", difftalk_ckpt)
    try:
        gen = DiffTalkGenerator(steps=1, batch_size=1, config=str(difftalk_fixture_dir / "difftalk_reduced.yaml"))
        gen.load("cpu", None)
    finally:
        clear_weight_overrides()
    assert gen.provenance["format"] == "compvis" and gen.provenance["ema_num_updates"] == 1000
    clip = demo_like_clip(1, 128)
    out = gen.generate(clip, clip.audio, seed=0)
    assert out.frames.shape == (1, 128, 128, 3)
